// Package acl is the acl plugin: it lets a request through depending on
// the ACL groups of its authenticated consumer. It runs after the
// authentication plugins (priority 950) and needs one of them.
package acl

import (
	"net/http"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for acl.
const Priority = 950

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "acl", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			h := &Handler{cfg: cfg, ix: env.Index, list: map[string]bool{}, deny: len(cfg.Deny) > 0}
			for _, g := range append(cfg.Allow, cfg.Deny...) {
				h.list[g] = true
			}
			return h, nil
		},
	}))
}

// Handler checks one request's consumer against the allow or deny list.
type Handler struct {
	cfg  *Config
	ix   *plugin.Index
	list map[string]bool
	deny bool
}

var _ plugin.Access = (*Handler)(nil)

// Access answers 401 without a consumer, 403 when the groups do not pass.
func (h *Handler) Access(ctx *plugin.Context) error {
	if ctx.Consumer == nil {
		if ctx.Credential != nil {
			ctx.Exit(http.StatusForbidden, "You cannot consume this service", nil)
			return nil
		}
		ctx.Exit(http.StatusUnauthorized, "Unauthorized", nil)
		return nil
	}
	groups := h.ix.Groups(ctx.Consumer.ID)
	listed := false
	for _, g := range groups {
		if h.list[g] {
			listed = true
			break
		}
	}
	if listed == h.deny {
		ctx.Exit(http.StatusForbidden, "You cannot consume this service", nil)
		return nil
	}
	if h.cfg.HideGroupsHeader || len(groups) == 0 {
		ctx.Request.Header.Del(plugin.HeaderConsumerGroups)
	} else {
		ctx.Request.Header.Set(plugin.HeaderConsumerGroups, h.ix.GroupsHeader(ctx.Consumer.ID))
	}
	return nil
}
