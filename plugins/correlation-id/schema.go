package correlationid

import (
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is correlation-id's configuration, with Kong's field names. The
// default header is Gantry-Request-ID (Kong's is Kong-Request-ID: the
// product name is Gantry's here).
type Config struct {
	HeaderName     string `json:"header_name"`
	Generator      string `json:"generator"`
	EchoDownstream bool   `json:"echo_downstream"`
}

func defaults() *Config {
	return &Config{HeaderName: "Gantry-Request-ID", Generator: "uuid#counter"}
}

// Validate checks the generator and header name.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	plugin.OneOf(&errs, "generator", c.Generator, "uuid", "uuid#counter", "tracker")
	plugin.CheckHeaderName(&errs, "header_name", c.HeaderName)
	return errs
}
