package snapshot

import "github.com/gantryhq/gantry/internal/entity"

// Chain is a route's compiled plugin chain.
//
// This is the place where the plugin engine plugs in: it provides a
// ChainBuilder, Build calls it once per routable route and stores the result
// in Route.Chain, and the proxy runs Route.Chain on every request that
// matched the route (see proxy's handler, which marks the spot). The engine
// defines the concrete type; the snapshot only carries it, so chains are
// built with the rest of the config, off the request path, and swapped
// atomically with it.
type Chain any

// ChainBuilder compiles the plugin chain of route (svc is nil for a route
// without a service) from the plugins in cfg. An error fails the whole
// Build, so a bad plugin config never reaches traffic.
type ChainBuilder func(cfg *entity.Config, route *entity.Route, svc *entity.Service) (Chain, error)
