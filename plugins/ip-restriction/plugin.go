// Package iprestriction is the ip-restriction plugin: it allows or denies
// requests by client IP address or CIDR range.
package iprestriction

import (
	"net/netip"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for ip-restriction.
const Priority = 990

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "ip-restriction", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, _ *plugin.Env) (plugin.Handler, error) {
			h := &Handler{status: 403, message: "Your IP address is not allowed"}
			if cfg.Status != nil {
				h.status = *cfg.Status
			}
			if cfg.Message != nil {
				h.message = *cfg.Message
			}
			for _, s := range cfg.Allow {
				p, _ := parsePrefix(s) // validated
				h.allow = append(h.allow, p)
			}
			for _, s := range cfg.Deny {
				p, _ := parsePrefix(s)
				h.deny = append(h.deny, p)
			}
			return h, nil
		},
	}))
}

// Handler checks the client IP against parsed ranges.
type Handler struct {
	allow, deny []netip.Prefix
	status      int
	message     string
}

var _ plugin.Access = (*Handler)(nil)

// Access blocks denied addresses, then addresses outside a non-empty
// allow list, as Kong does.
func (h *Handler) Access(ctx *plugin.Context) error {
	ip := ctx.ClientIP.Unmap()
	if !ip.IsValid() {
		ctx.Exit(403, "Cannot identify the client IP address, unix domain sockets are not supported.", nil)
		return nil
	}
	if len(h.deny) > 0 && contains(h.deny, ip) || len(h.allow) > 0 && !contains(h.allow, ip) {
		ctx.Exit(h.status, h.message, nil)
	}
	return nil
}

func contains(list []netip.Prefix, ip netip.Addr) bool {
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
