package responsetransformer

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/transform"
)

// Config is response-transformer's configuration, with Kong's field names.
type Config struct {
	Remove  Lists `json:"remove"`
	Rename  Lists `json:"rename"`
	Replace Typed `json:"replace"`
	Add     Typed `json:"add"`
	Append  Typed `json:"append"`
}

// Lists are header and top-level JSON key operations.
type Lists struct {
	Headers []string `json:"headers"`
	JSON    []string `json:"json"`
}

// Typed adds json_types: the type of each json entry, by position
// ("string" when missing).
type Typed struct {
	Headers   []string `json:"headers"`
	JSON      []string `json:"json"`
	JSONTypes []string `json:"json_types"`
}

func defaults() *Config {
	l := Lists{Headers: []string{}, JSON: []string{}}
	t := Typed{Headers: []string{}, JSON: []string{}, JSONTypes: []string{}}
	return &Config{Remove: l, Rename: l, Replace: t, Add: t, Append: t}
}

// Validate checks "name:value" entries and json_types.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	transform.CheckPairs(&errs, "rename.headers", c.Rename.Headers)
	transform.CheckPairs(&errs, "rename.json", c.Rename.JSON)
	for _, op := range []struct {
		name string
		t    Typed
	}{{"replace", c.Replace}, {"add", c.Add}, {"append", c.Append}} {
		transform.CheckPairs(&errs, op.name+".headers", op.t.Headers)
		transform.CheckPairs(&errs, op.name+".json", op.t.JSON)
		for i, ty := range op.t.JSONTypes {
			plugin.OneOf(&errs, fmt.Sprintf("%s.json_types[%d]", op.name, i+1), ty, "boolean", "number", "string")
		}
	}
	return errs
}
