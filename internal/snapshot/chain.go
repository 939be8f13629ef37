package snapshot

import "github.com/gantryhq/gantry/internal/entity"

// Chain is a route's compiled plugin chain.
//
// The snapshot only carries it, so chains are built with the rest of the
// config, off the request path, and swapped atomically with it. The proxy
// runs values of type *plugin.Chain (what plugin.RouteChainBuilder hands
// out) and ignores any other.
type Chain any

// ChainBuilder compiles the plugin chain of route (svc is nil for a route
// without a service) from the plugins in cfg. An error fails the whole
// Build, so a bad plugin config never reaches traffic.
type ChainBuilder func(cfg *entity.Config, route *entity.Route, svc *entity.Service) (Chain, error)
