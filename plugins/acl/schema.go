package acl

import (
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is acl's configuration, with Kong's field names. Exactly one of
// Allow and Deny is set.
type Config struct {
	Allow            []string `json:"allow"`
	Deny             []string `json:"deny"`
	HideGroupsHeader bool     `json:"hide_groups_header"`
	// IncludeConsumerGroups and AlwaysUseAuthenticatedGroups are accepted
	// for compatibility; Gantry has no consumer groups nor authenticated
	// groups (set by enterprise plugins), so they change nothing.
	IncludeConsumerGroups        bool `json:"include_consumer_groups"`
	AlwaysUseAuthenticatedGroups bool `json:"always_use_authenticated_groups"`
}

func defaults() *Config { return &Config{} }

// Validate enforces Kong's "exactly one of allow and deny".
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	switch {
	case len(c.Allow) > 0 && len(c.Deny) > 0:
		errs.Add("", plugin.OnlyOneOf("allow", "deny"))
	case len(c.Allow) == 0 && len(c.Deny) == 0:
		errs.Add("", plugin.AtLeastOneOf("allow", "deny"))
	}
	return errs
}
