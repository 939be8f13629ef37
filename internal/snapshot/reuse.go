package snapshot

import (
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/yield"
)

// What each part of a snapshot is built from. When these kinds have the
// same digests in the new config as in prev, Build hands prev's part over
// instead of building it again: on a data plane most pushes change a few
// routes or plugins, and rebuilding 10,000 unchanged services, certificates
// and chains would only feed the garbage collector that the request path
// shares (docs/design.md, "The hot path stays clear of config work").
var (
	certKinds     = []entity.Kind{entity.KindCertificate, entity.KindSNI}
	upstreamKinds = []entity.Kind{entity.KindUpstream, entity.KindTarget}
	serviceKinds  = []entity.Kind{entity.KindService, entity.KindCertificate, entity.KindCACertificate}
	routerKinds   = []entity.Kind{entity.KindRoute, entity.KindService}
	// chainKinds is every kind but upstreams and targets: plugins read
	// consumers, credentials and certificates, and are scoped by service
	// and route.
	chainKinds = append([]entity.Kind{entity.KindRoute}, chainBaseKinds...)
	// chainBaseKinds is what the plugin instances and the consumer index
	// are built from: when only routes changed, chains are derived.
	chainBaseKinds = []entity.Kind{
		entity.KindService, entity.KindConsumer, entity.KindPlugin,
		entity.KindCertificate, entity.KindSNI, entity.KindCACertificate,
		entity.KindKeyAuth, entity.KindBasicAuth, entity.KindJWT, entity.KindACL,
	}
)

// digestOf returns the digest Build works with: the caller's, else one
// with only the given hash (no reuse by kind), else computed.
func digestOf(cfg *entity.Config, opts Options) entity.Digest {
	switch {
	case opts.Digest.Hash != "":
		return opts.Digest
	case opts.Hash != "":
		return entity.Digest{Hash: opts.Hash}
	}
	return cfg.Digest()
}

// same reports whether prev exists and its config had the same digests as
// s's for kinds.
func (s *Snapshot) same(prev *Snapshot, kinds []entity.Kind) bool {
	return prev != nil && s.digest.Same(prev.digest, kinds...)
}

func (s *Snapshot) buildCerts(cfg *entity.Config, prev *Snapshot, def *tls.Certificate) error {
	if s.same(prev, certKinds) && prev.certs.def == def {
		s.certs = prev.certs
		return nil
	}
	certs, err := newCertStore(cfg, def)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	s.certs = certs
	return nil
}

// reuseUpstreams takes prev's upstreams as they are when no upstream or
// target changed, else builds them (balancers are still handed over one by
// one). It returns the balancers it created.
func (s *Snapshot) reuseUpstreams(cfg *entity.Config, prev *Snapshot, opts balancer.Options) ([]*balancer.Balancer, error) {
	if s.same(prev, upstreamKinds) {
		s.upstreams = prev.upstreams
		return nil, nil
	}
	return s.buildUpstreams(cfg, prev, opts)
}

// reuseServices takes prev's services when neither they, the certificates
// they present or trust, nor the upstreams they point at changed, and says
// whether it did.
func (s *Snapshot) reuseServices(cfg *entity.Config, prev *Snapshot) (kept bool, err error) {
	if s.same(prev, serviceKinds) && s.same(prev, upstreamKinds) {
		s.services = prev.services
		return true, nil
	}
	return false, s.buildServices(cfg)
}

// reuseRoutes keeps prev's route entries when nothing they are built from
// changed. Otherwise it keeps prev's plugin chains when no kind a chain is
// built from changed (only upstreams or targets did), or derives them from
// prev's when only a few routes changed (plugin.Chains.WithRoutes), or
// builds them anew; then, when prev's services were kept (servicesKept)
// and only a few routes changed, it patches prev's route entries and
// router with those routes (patchRoutes), else builds the entries again,
// with prev's router when routes and services did not change (otherwise
// the router is updated or rebuilt: buildRoutes).
func (s *Snapshot) reuseRoutes(cfg *entity.Config, prev *Snapshot, opts Options, servicesKept bool) error {
	s.builder = opts.Plugins
	chainsKept := s.same(prev, chainKinds) && prev.builder == s.builder
	if chainsKept && s.same(prev, upstreamKinds) {
		if s.chains = prev.chains; s.chains != nil {
			s.chains.Acquire()
		}
		s.router, s.routes, s.routed = prev.router, prev.routes, prev.routed
		return nil
	}
	var d *routeDelta
	if prev != nil && prev.builder == s.builder {
		d = routeDeltaOf(prev.cfg, cfg)
	}
	switch {
	case chainsKept:
		if s.chains = prev.chains; s.chains != nil {
			s.chains.Acquire()
		}
	case s.builder != nil && d != nil && prev.chains != nil && s.same(prev, chainBaseKinds):
		s.chains = prev.chains.WithRoutes(cfg, d.removed, d.added)
	case s.builder != nil:
		cs, err := buildChains(s.builder, cfg)
		if err != nil {
			return fmt.Errorf("snapshot: plugins: %w", err)
		}
		s.chains = cs
		d = nil // every route's chain is new: none of prev's entries fits
	}
	if d != nil && servicesKept {
		return s.patchRoutes(prev, d)
	}
	return s.buildRoutes(cfg, prev, s.same(prev, routerKinds))
}

// routeDelta is how a config's routes differ from those of the config
// before it: the routes it lacks or replaces (removed, the earlier
// config's entities) and those it adds or replaces with (added), each in
// id order.
type routeDelta struct{ removed, added []*entity.Route }

// routeDeltaOf returns how next's routes differ from prev's, or nil when
// more than a few did or a list is not in id order (routeChanges).
func routeDeltaOf(prev, next *entity.Config) *routeDelta {
	removed, added, ok := routeChanges(prev.Routes, next.Routes)
	if !ok {
		return nil
	}
	return &routeDelta{removed, added}
}

// patchRoutes makes s's route entries, routed list and router from prev's
// and d, in work proportional to the routes d changed: s has prev's
// services, and for every route d leaves alone, prev's chain (the chains
// were kept or derived with WithRoutes). A route table of 10,000 entries
// is otherwise allocated again for every one-route delta.
func (s *Snapshot) patchRoutes(prev *Snapshot, d *routeDelta) error {
	s.routes = maps.Clone(prev.routes)
	var gone, came []*entity.Route // leaving and entering the router
	for _, r := range d.removed {
		if _, ok := s.routes[r.ID]; ok {
			delete(s.routes, r.ID)
			gone = append(gone, r)
		}
	}
	for _, r := range d.added {
		e, err := s.routeEntry(r)
		if err != nil {
			return err
		}
		if e == nil {
			continue // its service is disabled
		}
		s.routes[r.ID] = e
		came = append(came, r)
	}
	s.routed = mergeRoutes(prev.routed, gone, came)
	if len(gone) == 0 && len(came) == 0 {
		s.router = prev.router
		return nil
	}
	rt, err := prev.router.Update(gone, came, s.serviceEntity)
	if rt == nil && err == nil { // Update leaves it to a rebuild
		rt, err = prev.router.Rebuild(s.routed, s.cfg.Services)
	}
	if err != nil {
		return fmt.Errorf("snapshot: router: %w", err)
	}
	s.router = rt
	return nil
}

// mergeRoutes returns routed without gone and with came, all three in id
// order, gone a subsequence of routed.
func mergeRoutes(routed, gone, came []*entity.Route) []*entity.Route {
	out := make([]*entity.Route, 0, len(routed)-len(gone)+len(came))
	g, c := 0, 0
	for _, r := range routed {
		if g < len(gone) && gone[g] == r {
			g++
			continue
		}
		for ; c < len(came) && came[c].ID < r.ID; c++ {
			out = append(out, came[c])
		}
		out = append(out, r)
	}
	return append(out, came[c:]...)
}

// serviceEntity returns the service with that id, nil when s has none.
func (s *Snapshot) serviceEntity(id string) *entity.Service {
	if svc := s.services[id]; svc != nil {
		return svc.Service
	}
	return nil
}

// updateRouter makes s's router from prev's with Router.Update, in work
// proportional to the routes that changed, when prev's router serves the
// very same service entities and few routes changed (the route edits a
// data plane's deltas bring). It returns nil, nil when the router must be
// rebuilt instead. s.routes and s.services are built.
func (s *Snapshot) updateRouter(prev *Snapshot) (*router.Router, error) {
	if prev == nil || prev.router == nil || len(s.services) != len(prev.services) {
		return nil, nil
	}
	var y yield.Point
	for id, svc := range s.services {
		y.Tick()
		if p := prev.services[id]; p == nil || p.Service != svc.Service {
			return nil, nil
		}
	}
	removed, added, ok := routeChanges(prev.routed, s.routed)
	if !ok {
		return nil, nil
	}
	return prev.router.Update(removed, added, s.serviceEntity)
}

// routeChanges lists the routes of prev that next lacks or replaces
// (removed) and those of next that prev lacks or replaces (added), walking
// both lists in id order and comparing entities by pointer: work
// proportional to the routes, without a map lookup or a string hash per
// route (entities a delta did not touch are the running config's). ok is
// false when more than router.MaxUpdateRoutes changed or a list is not
// sorted by id (a declarative file's order): the caller rebuilds.
func routeChanges(prev, next []*entity.Route) (removed, added []*entity.Route, ok bool) {
	byID := func(a, b *entity.Route) int { return strings.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(prev, byID) || !slices.IsSortedFunc(next, byID) {
		return nil, nil, false
	}
	var y yield.Point
	for i, j := 0, 0; i < len(prev) || j < len(next); {
		y.Tick()
		switch {
		case i < len(prev) && j < len(next) && prev[i] == next[j]:
			i, j = i+1, j+1
			continue
		case j == len(next) || i < len(prev) && prev[i].ID < next[j].ID:
			removed = append(removed, prev[i])
			i++
		case i == len(prev) || next[j].ID < prev[i].ID:
			added = append(added, next[j])
			j++
		default: // the same id, replaced
			removed, added = append(removed, prev[i]), append(added, next[j])
			i, j = i+1, j+1
		}
		if len(removed)+len(added) > router.MaxUpdateRoutes {
			return nil, nil, false
		}
	}
	return removed, added, true
}
