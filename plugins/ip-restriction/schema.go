package iprestriction

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is ip-restriction's configuration, with Kong's field names.
type Config struct {
	Allow   []string `json:"allow"`
	Deny    []string `json:"deny"`
	Status  *int     `json:"status"`
	Message *string  `json:"message"`
}

func defaults() *Config { return &Config{} }

// Validate requires allow or deny and checks every address and range.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	if len(c.Allow) == 0 && len(c.Deny) == 0 {
		errs.Add("", plugin.AtLeastOneOf("allow", "deny"))
	}
	for i, s := range c.Allow {
		checkPrefix(&errs, fmt.Sprintf("allow[%d]", i+1), s)
	}
	for i, s := range c.Deny {
		checkPrefix(&errs, fmt.Sprintf("deny[%d]", i+1), s)
	}
	if c.Status != nil && (*c.Status < 100 || *c.Status > 599) {
		errs.Add("status", "value should be between 100 and 599")
	}
	return errs
}

// parsePrefix accepts an address ("10.0.0.1", "::1") or a CIDR range.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func checkPrefix(errs *entity.Errors, field, s string) {
	if _, err := parsePrefix(s); err != nil {
		errs.Add(field, fmt.Sprintf("invalid ip or cidr range: '%s'", s))
	}
}
