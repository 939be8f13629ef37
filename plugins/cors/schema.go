package cors

import (
	"fmt"
	"regexp"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is cors' configuration, with Kong's field names.
type Config struct {
	// Origins are allowed origins: exact ("https://a.example:8443"), "*",
	// or regexes (anything with characters outside [A-Za-z0-9.:/-]),
	// matched against the whole origin, or its host when the regex has no ":".
	Origins           []string `json:"origins"`
	Headers           []string `json:"headers"`
	ExposedHeaders    []string `json:"exposed_headers"`
	Methods           []string `json:"methods"`
	MaxAge            *float64 `json:"max_age"`
	Credentials       bool     `json:"credentials"`
	PrivateNetwork    bool     `json:"private_network"`
	PreflightContinue bool     `json:"preflight_continue"`
	AllowOriginAbsent bool     `json:"allow_origin_absent"`
}

var allMethods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"}

func defaults() *Config {
	return &Config{Methods: append([]string(nil), allMethods...), AllowOriginAbsent: true}
}

// Validate checks methods and that origin regexes compile.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	for i, m := range c.Methods {
		plugin.OneOf(&errs, fmt.Sprintf("methods[%d]", i+1), m, allMethods...)
	}
	for i, o := range c.Origins {
		if isRegex(o) {
			if _, err := regexp.Compile(anchor(o)); err != nil {
				errs.Add(fmt.Sprintf("origins[%d]", i+1), fmt.Sprintf("'%s' is not a valid regex", o))
			}
		}
	}
	if c.MaxAge != nil && *c.MaxAge < 0 {
		errs.Add("max_age", "value must be greater than -1")
	}
	return errs
}
