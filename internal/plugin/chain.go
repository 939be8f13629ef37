package plugin

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/yield"
)

// Instance is one enabled plugin entity with its built handler. The phase
// interfaces are asserted once here so requests pay no type switch.
type Instance struct {
	Entity *entity.Plugin
	Plugin *Plugin
	rank   rank
	protos protoSet
	logger *slog.Logger

	rewrite Rewrite
	access  Access
	header  HeaderFilter
	body    BodyFilter
	log     Log
	cert    Certificate
}

// rank is the precedence of an instance's scope; higher wins for a plugin
// name. Kong's order: consumer+route+service > consumer+route >
// consumer+service > route+service > consumer > route > service > global.
type rank int8

const (
	rankGlobal rank = iota
	rankService
	rankRoute
	rankConsumer
	rankRouteService
	rankConsumerService
	rankConsumerRoute
	rankConsumerRouteService
)

func scopeRank(p *entity.Plugin) rank {
	c, r, s := entity.RefID(p.Consumer) != "", entity.RefID(p.Route) != "", entity.RefID(p.Service) != ""
	switch {
	case c && r && s:
		return rankConsumerRouteService
	case c && r:
		return rankConsumerRoute
	case c && s:
		return rankConsumerService
	case r && s:
		return rankRouteService
	case c:
		return rankConsumer
	case r:
		return rankRoute
	case s:
		return rankService
	}
	return rankGlobal
}

// Chains holds the plugin chain of every route of one config snapshot,
// built once by BuildChains and read without locks by every request. It
// also holds the shared values (queues, counters) its handlers took: see
// Acquire and Release.
type Chains struct {
	cfg    *entity.Config
	routes map[string]*Chain
	global *Chain
	index  *Index
	certs  []*Instance

	reg    *Registry
	scopes *scopes // what a route's chain is resolved from (WithRoutes)
	holds  *holds
	// root is the chains whose instances these share (WithRoutes), nil
	// when these built their own: they hold one use of it.
	root  *Chains
	users atomic.Int64
}

// Route returns the chain of the route with that id; for an unknown id
// (or "") the chain of global plugins, which is also what a request that
// matched no route should run.
func (cs *Chains) Route(id string) *Chain {
	if c, ok := cs.routes[id]; ok {
		return c
	}
	return cs.global
}

// For returns the chain built for the route with that id, and false when
// cs was built from a config without that route: unlike Route it never
// stands the global chain in for a route's own.
func (cs *Chains) For(id string) (*Chain, bool) {
	c, ok := cs.routes[id]
	return c, ok
}

// Global returns the chain of requests that matched no route.
func (cs *Chains) Global() *Chain { return cs.global }

// Index returns the consumer and credential lookups of the snapshot.
func (cs *Chains) Index() *Index { return cs.index }

// Config is the config cs was built from.
func (cs *Chains) Config() *entity.Config { return cs.cfg }

// Acquire records one more user of cs (a snapshot reusing the chains of
// the one before it); each user calls Release once.
func (cs *Chains) Acquire() { cs.users.Add(1) }

// Release ends one use of cs. BuildChains hands its caller the first use;
// when the last user releases, the shared values only cs held are
// dropped and their background work stops (an http-log queue of a removed
// instance, for one). Requests still running on cs keep working, but what
// they queue in a stopped value is lost. A nil cs does nothing.
func (cs *Chains) Release() {
	if cs == nil || cs.users.Add(-1) != 0 {
		return
	}
	if cs.root != nil {
		cs.root.Release()
		return
	}
	if err := cs.holds.release(cs.reg.shared); err != nil {
		cs.reg.logger.Error("closing plugin state of retired chains", "error", err)
	}
}

// BuildChains validates and builds every enabled plugin entity of cfg, then
// resolves, for each route, which instance of each plugin name applies.
// Consumer-scoped instances are resolved per request, once an
// authentication plugin has set the consumer: see Chain. An invalid plugin
// or a plugin that r does not load is an error naming the plugin. The
// caller owns the one use of the result: Release it when done.
func (r *Registry) BuildChains(cfg *entity.Config) (*Chains, error) {
	ix := NewIndex(cfg)
	h := &holds{values: map[*sharedValue]struct{}{}}
	var insts []*Instance
	for _, p := range cfg.Plugins {
		if !p.Enabled {
			continue
		}
		in, err := r.instance(p, ix, h)
		if err != nil {
			_ = h.release(r.shared) // what the instances before took
			return nil, err
		}
		insts = append(insts, in)
	}
	sc := newScopes(insts)
	cs := &Chains{cfg: cfg, routes: make(map[string]*Chain, len(cfg.Routes)), index: ix, reg: r, scopes: sc, holds: h}
	cs.users.Store(1)
	cs.global = sc.chain("", "")
	var y yield.Point // config work gives way to requests (package yield)
	for _, route := range cfg.Routes {
		y.Tick()
		cs.routes[route.ID] = sc.chain(route.ID, entity.RefID(route.Service))
	}
	for _, in := range insts {
		if in.cert != nil && in.rank == rankGlobal {
			cs.certs = append(cs.certs, in)
		}
	}
	sortInstances(cs.certs)
	return cs, nil
}

// WithRoutes returns the chains of cfg, a config that differs from the one
// cs was built from in its routes only: the removed routes' chains are
// dropped (a replaced route is in removed and added), the added routes'
// resolved, and the rest, every plugin instance and the index shared with
// cs. Work and memory in proportion to the routes that changed, where
// BuildChains builds every instance, the consumer index and every route's
// chain again. The caller owns one use of the result, which holds one of
// the chains that built the instances until it is released.
func (cs *Chains) WithRoutes(cfg *entity.Config, removed, added []*entity.Route) *Chains {
	root := cs
	if cs.root != nil {
		root = cs.root
	}
	root.Acquire()
	n := &Chains{cfg: cfg, routes: maps.Clone(cs.routes), global: cs.global, index: cs.index, certs: cs.certs,
		reg: cs.reg, scopes: cs.scopes, root: root}
	n.users.Store(1)
	for _, r := range removed {
		delete(n.routes, r.ID)
	}
	for _, r := range added {
		n.routes[r.ID] = cs.scopes.chain(r.ID, entity.RefID(r.Service))
	}
	return n
}

// instance validates p and builds its handler; the shared values it takes
// are held by h.
func (r *Registry) instance(p *entity.Plugin, ix *Index, h *holds) (*Instance, error) {
	cfg, errs := r.builtConfig(p)
	if errs != nil {
		return nil, fmt.Errorf("plugin %s (%s): %w", p.ID, p.Name, errs)
	}
	pl := r.plugins[p.Name]
	logger := r.logger.With("plugin", p.Name, "plugin_id", p.ID)
	env := &Env{Index: ix, Logger: logger, Shared: &Shared{store: r.shared, holds: h}, ID: p.ID}
	hd, err := pl.build(cfg, env)
	if err != nil {
		return nil, fmt.Errorf("plugin %s (%s): %w", p.ID, p.Name, err)
	}
	in := &Instance{Entity: p, Plugin: pl, rank: scopeRank(p), protos: protoSetOf(p.Protocols), logger: logger}
	in.rewrite, _ = hd.(Rewrite)
	in.access, _ = hd.(Access)
	in.header, _ = hd.(HeaderFilter)
	in.body, _ = hd.(BodyFilter)
	in.log, _ = hd.(Log)
	in.cert, _ = hd.(Certificate)
	if in.rewrite == nil && in.access == nil && in.header == nil && in.body == nil && in.log == nil && in.cert == nil {
		return nil, fmt.Errorf("plugin %s (%s): handler %T implements no phase", p.ID, p.Name, hd)
	}
	return in, nil
}

func sortInstances(list []*Instance) {
	slices.SortStableFunc(list, func(a, b *Instance) int {
		if c := cmp.Compare(b.Plugin.priority, a.Plugin.priority); c != 0 {
			return c
		}
		return cmp.Compare(a.Plugin.name, b.Plugin.name)
	})
}
