package jwt

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is jwt's configuration, with Kong's field names.
type Config struct {
	URIParamNames     []string `json:"uri_param_names"`
	CookieNames       []string `json:"cookie_names"`
	HeaderNames       []string `json:"header_names"`
	ClaimsToVerify    []string `json:"claims_to_verify"`
	KeyClaimName      string   `json:"key_claim_name"`
	SecretIsBase64    bool     `json:"secret_is_base64"`
	Anonymous         *string  `json:"anonymous"`
	RunOnPreflight    bool     `json:"run_on_preflight"`
	MaximumExpiration float64  `json:"maximum_expiration"`
	Realm             *string  `json:"realm"`
}

func defaults() *Config {
	return &Config{
		URIParamNames: []string{"jwt"}, CookieNames: []string{}, HeaderNames: []string{"authorization"},
		KeyClaimName: "iss", RunOnPreflight: true,
	}
}

// Validate checks claims, the expiration bound and header names.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	hasExp := false
	for i, cl := range c.ClaimsToVerify {
		plugin.OneOf(&errs, fmt.Sprintf("claims_to_verify[%d]", i+1), cl, "exp", "nbf")
		hasExp = hasExp || cl == "exp"
	}
	if c.MaximumExpiration < 0 || c.MaximumExpiration > 31536000 {
		errs.Add("maximum_expiration", "value should be between 0 and 31536000")
	}
	if c.MaximumExpiration > 0 && !hasExp {
		errs.Add("claims_to_verify", "expected to contain: exp")
	}
	for i, h := range c.HeaderNames {
		plugin.CheckHeaderName(&errs, fmt.Sprintf("header_names[%d]", i+1), h)
	}
	if c.KeyClaimName == "" {
		errs.Add("key_claim_name", "length must be at least 1")
	}
	return errs
}
