package snapshot

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// ChainBuilder builds the plugin chains of a whole config: every route's
// and the one of requests that match no route. *plugin.Registry is the
// builder nodes use. Build owns the one use of the Chains it gets (see
// plugin.Chains.Release), so a builder must hand out freshly built chains,
// never a cached build.
type ChainBuilder interface {
	BuildChains(cfg *entity.Config) (*plugin.Chains, error)
}

// buildChains asks b for the chains of cfg and checks that they are: the
// builder is the one place a snapshot takes plugin chains from outside,
// and chains of another config (a stale cache, say) would run some other
// config's plugins on cfg's routes, or on a new route the global ones
// only, authentication left out. Such a build fails instead.
func buildChains(b ChainBuilder, cfg *entity.Config) (*plugin.Chains, error) {
	cs, err := b.BuildChains(cfg)
	switch {
	case err != nil:
		return nil, err
	case cs == nil:
		return nil, fmt.Errorf("plugin chain builder %T returned no chains", b)
	case cs.Config() != cfg:
		cs.Release()
		return nil, fmt.Errorf("plugin chain builder %T returned the chains of another config", b)
	}
	return cs, nil
}

// routeChain is the chain cs holds for route r. Chains kept from the
// previous snapshot were built from an earlier config with, by its digest,
// the same routes; a route they lack fails the build rather than run with
// no plugin of its own.
func routeChain(cs *plugin.Chains, r *entity.Route) (*plugin.Chain, error) {
	if cs == nil {
		return nil, nil
	}
	c, ok := cs.For(r.ID)
	if !ok {
		return nil, fmt.Errorf("the plugin chains in use were built for a config without this route")
	}
	return c, nil
}
