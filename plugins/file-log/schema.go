package filelog

import (
	"path/filepath"

	"github.com/gantryhq/gantry/internal/entity"
)

// Config is file-log's configuration, with Kong's field names.
type Config struct {
	Path   string `json:"path"`
	Reopen bool   `json:"reopen"`
	// CustomFieldsByLua is Kong's Lua hook; Gantry runs no Lua, so only an
	// empty value is accepted.
	CustomFieldsByLua map[string]string `json:"custom_fields_by_lua"`
}

func defaults() *Config { return &Config{} }

// Validate requires an absolute path.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	switch {
	case c.Path == "":
		errs.Add("path", "required field missing")
	case !filepath.IsAbs(c.Path):
		errs.Add("path", "not a valid filename: use an absolute path")
	}
	if len(c.CustomFieldsByLua) > 0 {
		errs.Add("custom_fields_by_lua", "Lua is not supported by Gantry; remove this field")
	}
	return errs
}
