// Package snapshot turns an *entity.Config into an immutable, ready-to-serve
// Snapshot: the compiled router, one balancer per upstream, per-service
// upstream settings, the plugin chains and the TLS certificate store.
//
// A Snapshot is built off the request path and swapped in whole (the proxy
// keeps it behind an atomic.Pointer). Nothing in it changes after Build, so
// requests read it without locks. Balancers and plugin state (counters,
// log queues) outlive a snapshot: Build hands an unchanged upstream's
// balancer over from the previous snapshot so health state survives
// unrelated config pushes, and Retire closes the ones the next snapshot
// dropped and releases the snapshot's hold on plugin state.
package snapshot

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/yield"
)

// Options tunes Build.
type Options struct {
	// Logger receives build and retire events; nil discards them.
	Logger *slog.Logger
	// Balancer is passed to every balancer.New (resolver, logger).
	Balancer balancer.Options
	// DefaultCert is served when no SNI matches. Nil reuses prev's, and
	// when there is no prev a self-signed one is generated (see
	// NewDefaultCertificate); pass one to share it across snapshots from
	// the start.
	DefaultCert *tls.Certificate
	// Hash, when set, is used as the snapshot's hash instead of computing
	// cfg.Hash() again (the cluster agent already has it).
	Hash string
	// Digest, when its Hash is set, is cfg.Digest() computed by the caller:
	// it takes the place of Hash and lets Build reuse the parts of prev
	// whose kinds did not change (see reuse.go). Without it Build computes
	// it, unless Hash is set.
	Digest entity.Digest
	// Validated says cfg already passed cfg.Validate (the declarative
	// loader and the cluster codec validate), so Build does not run it
	// again.
	Validated bool
	// Plugins builds the plugin chains; nil runs no plugin. Build asks it
	// once per config, unless prev was built by the same builder (==, so a
	// pointer) and no kind chains are built from changed: then prev's
	// chains are kept.
	Plugins ChainBuilder
}

// Snapshot is one immutable, ready-to-serve configuration.
type Snapshot struct {
	cfg       *entity.Config
	hash      string
	digest    entity.Digest
	router    *router.Router
	routes    map[string]*Route    // by route id
	routed    []*entity.Route      // the routes in the router, in the config's order
	services  map[string]*Service  // by service id
	upstreams map[string]*Upstream // by lower-cased upstream name
	certs     *CertStore
	chains    *plugin.Chains // nil without a ChainBuilder
	builder   ChainBuilder   // Options.Plugins
	retired   atomic.Bool
}

// Route is a routable route with what the proxy needs to serve it.
type Route struct {
	Route *entity.Route
	// Service is nil for a route without a service.
	Service *Service
	// Chain is the route's plugin chain, built for this route; nil (no
	// plugin runs) when the snapshot was built without a ChainBuilder.
	Chain *plugin.Chain
	// Protocols is Route.Protocols as flags.
	Protocols Protocols
}

// Build validates cfg and compiles it into a Snapshot. prev may be nil; its
// balancers are reused for upstreams whose definition and targets did not
// change. On error nothing is started and prev keeps serving untouched.
//
// After the new snapshot is in service, call prev.Retire(next) so balancers
// only prev used are closed and prev's plugin state is released (proxy.Swap
// does). A snapshot that is built but never put into service must be
// dropped with next.Retire(prev), which closes only the balancers it
// created. Builds on top of one another must
// be serialized: each takes the one in service as prev.
func Build(cfg *entity.Config, prev *Snapshot, opts Options) (*Snapshot, error) {
	if cfg == nil {
		cfg = &entity.Config{}
	}
	if !opts.Validated {
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("snapshot: invalid config: %w", err)
		}
	}
	s := &Snapshot{cfg: cfg, digest: digestOf(cfg, opts)}
	s.hash = s.digest.Hash
	def := opts.DefaultCert
	if def == nil && prev != nil {
		def = prev.certs.def
	}
	if def == nil {
		var err error
		if def, err = NewDefaultCertificate(); err != nil {
			return nil, err
		}
	}
	if err := s.buildCerts(cfg, prev, def); err != nil {
		return nil, err
	}
	fresh, err := s.reuseUpstreams(cfg, prev, opts.Balancer)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			for _, b := range fresh {
				b.Close()
			}
			s.chains.Release()
		}
	}()
	servicesKept, err := s.reuseServices(cfg, prev)
	if err != nil {
		return nil, err
	}
	if err := s.reuseRoutes(cfg, prev, opts, servicesKept); err != nil {
		return nil, err
	}
	ok = true
	startAll(fresh)
	logger(opts.Logger).Debug("snapshot built", "hash", s.hash,
		"routes", len(s.routes), "services", len(s.services),
		"upstreams", len(s.upstreams), "new_balancers", len(fresh), "router_updates", s.router.Updates())
	return s, nil
}

// buildRoutes compiles the router from the routes whose service is enabled
// (Kong leaves routes of a disabled service out of the router, so they
// answer 404) and builds the per-route entries. keep says prev routes the
// same routes and services as cfg, so its router is taken over as it is;
// else, when only a few routes changed, prev's router is updated with them
// (Router.Update); else the router is rebuilt, reusing prev's compiled
// regexes. Each route gets its chain from s.chains.
func (s *Snapshot) buildRoutes(cfg *entity.Config, prev *Snapshot, keep bool) error {
	routes := make([]*entity.Route, 0, len(cfg.Routes))
	s.routes = make(map[string]*Route, len(cfg.Routes))
	var y yield.Point
	for _, r := range cfg.Routes {
		y.Tick()
		e, err := s.routeEntry(r)
		if err != nil {
			return err
		}
		if e == nil {
			continue
		}
		routes = append(routes, r)
		s.routes[r.ID] = e
	}
	var prevRouter *router.Router
	if prev != nil {
		prevRouter = prev.router
	}
	s.routed = routes
	if keep {
		s.router = prevRouter
		return nil
	}
	rt, err := s.updateRouter(prev)
	if rt == nil && err == nil {
		rt, err = prevRouter.Rebuild(routes, cfg.Services)
	}
	if err != nil {
		return fmt.Errorf("snapshot: router: %w", err)
	}
	s.router = rt
	return nil
}

// routeEntry builds r's entry with its service and chain from s; nil when
// r's service is disabled (Kong leaves such routes out of the router).
func (s *Snapshot) routeEntry(r *entity.Route) (*Route, error) {
	e := &Route{Route: r, Protocols: protocolsOf(r.Protocols)}
	if id := entity.RefID(r.Service); id != "" {
		svc, ok := s.services[id]
		if !ok {
			return nil, fmt.Errorf("snapshot: route %s: service %q does not exist", name(r.Name, r.ID), id)
		}
		if !svc.Service.Enabled {
			return nil, nil
		}
		e.Service = svc
	}
	c, err := routeChain(s.chains, r)
	if err != nil {
		return nil, fmt.Errorf("snapshot: plugins of route %s: %w", name(r.Name, r.ID), err)
	}
	e.Chain = c
	return e, nil
}

// Match finds the route for req. It returns nil, nil when no route matches.
func (s *Snapshot) Match(req *router.Request) (*router.Match, *Route) {
	m := new(router.Match)
	if r := s.MatchInto(req, m); r != nil {
		return m, r
	}
	return nil, nil
}

// MatchInto is Match writing the router's result into dst, which the
// caller owns (the proxy keeps it in its per-request state): no
// allocation per request for ordinary prefix routes. It returns nil when
// no route matches, and dst then holds nothing meaningful.
func (s *Snapshot) MatchInto(req *router.Request, dst *router.Match) *Route {
	if !s.router.MatchInto(req, dst) || dst.Route == nil {
		return nil
	}
	return s.routes[dst.Route.ID]
}

// Router is the snapshot's compiled router.
func (s *Snapshot) Router() *router.Router { return s.router }

// GlobalChain is the plugin chain of requests that matched no route, or
// nil.
func (s *Snapshot) GlobalChain() *plugin.Chain {
	if s.chains == nil {
		return nil
	}
	return s.chains.Global()
}

// Plugins returns every plugin chain of the snapshot (for the certificate
// phase and the consumer index), or nil without a ChainBuilder.
func (s *Snapshot) Plugins() *plugin.Chains { return s.chains }

// Hash is the config hash (md5 hex of the canonical form).
func (s *Snapshot) Hash() string { return s.hash }

// Empty reports whether the snapshot holds no entity: a node running it
// answers 404 to everything and is not ready.
func (s *Snapshot) Empty() bool { return s.cfg.Empty() }

// Config returns the config the snapshot was built from. Callers must not
// modify it.
func (s *Snapshot) Config() *entity.Config { return s.cfg }

// Certificates returns the TLS certificate store.
func (s *Snapshot) Certificates() *CertStore { return s.certs }

// Service returns the service with the given id, or nil.
func (s *Snapshot) Service(id string) *Service { return s.services[id] }

// Upstream returns the upstream with the given name (any case) or id, or
// nil, as the Admin API and status endpoints address upstreams.
func (s *Snapshot) Upstream(nameOrID string) *Upstream {
	if u := s.upstreams[strings.ToLower(nameOrID)]; u != nil {
		return u
	}
	for _, u := range s.upstreams {
		if u.Upstream.ID == nameOrID {
			return u
		}
	}
	return nil
}

// Upstreams returns every upstream of the snapshot, for health endpoints.
func (s *Snapshot) Upstreams() []*Upstream {
	out := make([]*Upstream, 0, len(s.upstreams))
	for _, u := range s.upstreams {
		out = append(out, u)
	}
	return out
}

// startAll starts new balancers, a few at a time: a balancer with host
// name targets waits for their first DNS answers, and one slow name must
// not hold up the others.
func startAll(bs []*balancer.Balancer) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, b := range bs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b.Start()
		})
	}
	wg.Wait()
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.With("component", "snapshot")
}

func name(n, id string) string {
	if n != "" {
		return fmt.Sprintf("%q", n)
	}
	return id
}
