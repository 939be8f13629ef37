package keyauth

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is key-auth's configuration, with Kong's field names.
type Config struct {
	// KeyNames are the header, query and body names searched for the key.
	KeyNames        []string `json:"key_names"`
	HideCredentials bool     `json:"hide_credentials"`
	// Anonymous is a consumer id or username used when authentication
	// fails; nil makes failures a 401.
	Anonymous      *string `json:"anonymous"`
	KeyInHeader    bool    `json:"key_in_header"`
	KeyInQuery     bool    `json:"key_in_query"`
	KeyInBody      bool    `json:"key_in_body"`
	RunOnPreflight bool    `json:"run_on_preflight"`
	// Realm goes in the WWW-Authenticate challenge when set.
	Realm *string `json:"realm"`
}

func defaults() *Config {
	return &Config{
		KeyNames: []string{"apikey"}, KeyInHeader: true, KeyInQuery: true, RunOnPreflight: true,
	}
}

// Validate checks the key names.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	if len(c.KeyNames) == 0 {
		errs.Add("key_names", "length must be at least 1")
	}
	for i, n := range c.KeyNames {
		plugin.CheckHeaderName(&errs, fmt.Sprintf("key_names[%d]", i+1), n)
	}
	return errs
}
