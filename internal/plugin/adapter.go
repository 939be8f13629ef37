package plugin

import (
	"sync"

	"github.com/gantryhq/gantry/internal/entity"
)

// RouteChainBuilder adapts BuildChains to a per-route callback, the shape
// of snapshot.ChainBuilder: the first call for a config builds every chain
// of it at once; later calls for the same *entity.Config return the route's
// chain from that build. Chains returns the whole build of the last config
// (for the no-route chain, the certificate phase and the Index). Safe for
// concurrent use; it runs off the request path.
type RouteChainBuilder struct {
	reg  *Registry
	mu   sync.Mutex
	cfg  *entity.Config
	last *Chains
	err  error
}

// NewRouteChainBuilder returns a builder over reg.
func NewRouteChainBuilder(reg *Registry) *RouteChainBuilder { return &RouteChainBuilder{reg: reg} }

// Build returns the chain of route in cfg (svc is not needed: the route
// carries its service reference; the parameter matches the snapshot's
// callback).
func (b *RouteChainBuilder) Build(cfg *entity.Config, route *entity.Route, _ *entity.Service) (*Chain, error) {
	cs, err := b.build(cfg)
	if err != nil {
		return nil, err
	}
	return cs.Route(route.ID), nil
}

// Chains returns every chain of cfg, building them if cfg is new.
func (b *RouteChainBuilder) Chains(cfg *entity.Config) (*Chains, error) { return b.build(cfg) }

func (b *RouteChainBuilder) build(cfg *entity.Config) (*Chains, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg != cfg || (b.last == nil && b.err == nil) {
		b.cfg = cfg
		b.last, b.err = BuildChains(cfg, b.reg)
	}
	return b.last, b.err
}
