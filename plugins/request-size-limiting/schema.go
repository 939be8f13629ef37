package requestsizelimiting

import (
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is request-size-limiting's configuration, with Kong's field names.
type Config struct {
	AllowedPayloadSize   int    `json:"allowed_payload_size"`
	SizeUnit             string `json:"size_unit"`
	RequireContentLength bool   `json:"require_content_length"`
}

func defaults() *Config { return &Config{AllowedPayloadSize: 128, SizeUnit: "megabytes"} }

// Validate checks the unit and that the size is not negative.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	plugin.OneOf(&errs, "size_unit", c.SizeUnit, "megabytes", "kilobytes", "bytes")
	if c.AllowedPayloadSize < 0 {
		errs.Add("allowed_payload_size", "value must be greater than -1")
	}
	return errs
}

// limit is the allowed size in bytes (kilo and mega are powers of 1024).
func (c *Config) limit() int64 {
	n := int64(c.AllowedPayloadSize)
	switch c.SizeUnit {
	case "kilobytes":
		return n << 10
	case "megabytes":
		return n << 20
	}
	return n
}
