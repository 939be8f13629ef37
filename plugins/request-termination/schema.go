package requesttermination

import (
	"github.com/gantryhq/gantry/internal/entity"
)

// Config is request-termination's configuration, with Kong's field names.
type Config struct {
	StatusCode  int     `json:"status_code"`
	Message     *string `json:"message"`
	ContentType *string `json:"content_type"`
	Body        *string `json:"body"`
	Echo        bool    `json:"echo"`
	// Trigger, when set, terminates only requests carrying a header or
	// query argument of that name; others pass.
	Trigger *string `json:"trigger"`
}

func defaults() *Config { return &Config{StatusCode: 503} }

// Validate applies Kong's checks on the status and field combinations.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	if c.StatusCode < 100 || c.StatusCode > 599 {
		errs.Add("status_code", "value should be between 100 and 599")
	}
	switch {
	case c.Message != nil && (c.ContentType != nil || c.Body != nil):
		errs.Add("", "message cannot be used with content_type or body")
	case c.ContentType != nil && c.Body == nil:
		errs.Add("", "content_type requires a body")
	case c.Echo && (c.ContentType != nil || c.Body != nil):
		errs.Add("", "echo cannot be used with content_type and body")
	}
	return errs
}
