package requesttransformer

import (
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/transform"
)

// Config is request-transformer's configuration, with Kong's field names.
// Lists other than remove hold "name:value" strings (rename: "old:new").
type Config struct {
	HTTPMethod *string `json:"http_method"`
	Remove     Lists   `json:"remove"`
	Rename     Lists   `json:"rename"`
	Replace    Replace `json:"replace"`
	Add        Lists   `json:"add"`
	Append     Lists   `json:"append"`
}

// Lists are the targets of one operation.
type Lists struct {
	Body        []string `json:"body"`
	Headers     []string `json:"headers"`
	Querystring []string `json:"querystring"`
}

// Replace is Lists plus the upstream path.
type Replace struct {
	Body        []string `json:"body"`
	Headers     []string `json:"headers"`
	Querystring []string `json:"querystring"`
	URI         *string  `json:"uri"`
}

func emptyLists() Lists { return Lists{Body: []string{}, Headers: []string{}, Querystring: []string{}} }

func defaults() *Config {
	return &Config{
		Remove: emptyLists(), Rename: emptyLists(), Add: emptyLists(), Append: emptyLists(),
		Replace: Replace{Body: []string{}, Headers: []string{}, Querystring: []string{}},
	}
}

// Validate checks "name:value" entries and the method.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	replace := Lists{Body: c.Replace.Body, Headers: c.Replace.Headers, Querystring: c.Replace.Querystring}
	for _, op := range []struct {
		name string
		l    Lists
	}{{"rename", c.Rename}, {"replace", replace}, {"add", c.Add}, {"append", c.Append}} {
		transform.CheckPairs(&errs, op.name+".body", op.l.Body)
		transform.CheckPairs(&errs, op.name+".headers", op.l.Headers)
		transform.CheckPairs(&errs, op.name+".querystring", op.l.Querystring)
	}
	if m := c.HTTPMethod; m != nil && (*m == "" || strings.ToUpper(*m) != *m || strings.ContainsAny(*m, " \t/")) {
		errs.Add("http_method", "invalid value: must be an upper-case HTTP method")
	}
	if u := c.Replace.URI; u != nil && !strings.HasPrefix(*u, "/") {
		errs.Add("replace.uri", "should start with: /")
	}
	return errs
}
