package plugin

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gantryhq/gantry/internal/entity"
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
// built once by BuildChains and read without locks by every request.
type Chains struct {
	routes map[string]*Chain
	global *Chain
	index  *Index
	certs  []*Instance
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

// Global returns the chain of requests that matched no route.
func (cs *Chains) Global() *Chain { return cs.global }

// Index returns the consumer and credential lookups of the snapshot.
func (cs *Chains) Index() *Index { return cs.index }

// BuildChains validates and builds every enabled plugin entity of cfg, then
// resolves, for each route, which instance of each plugin name applies.
// Consumer-scoped instances are resolved per request, once an
// authentication plugin has set the consumer: see Chain. An invalid plugin
// or a plugin that reg does not load is an error naming the plugin.
func BuildChains(cfg *entity.Config, reg *Registry) (*Chains, error) {
	ix := NewIndex(cfg)
	var insts []*Instance
	for _, p := range cfg.Plugins {
		if !p.Enabled {
			continue
		}
		in, err := reg.instance(p, ix)
		if err != nil {
			return nil, err
		}
		insts = append(insts, in)
	}
	sc := newScopes(insts)
	cs := &Chains{routes: make(map[string]*Chain, len(cfg.Routes)), index: ix}
	cs.global = sc.chain("", "")
	for _, r := range cfg.Routes {
		cs.routes[r.ID] = sc.chain(r.ID, entity.RefID(r.Service))
	}
	for _, in := range insts {
		if in.cert != nil && in.rank == rankGlobal {
			cs.certs = append(cs.certs, in)
		}
	}
	sortInstances(cs.certs)
	return cs, nil
}

// instance validates p and builds its handler.
func (r *Registry) instance(p *entity.Plugin, ix *Index) (*Instance, error) {
	cfg, errs := r.decodeConfig(p)
	if errs != nil {
		return nil, fmt.Errorf("plugin %s (%s): %w", p.ID, p.Name, errs)
	}
	pl := r.plugins[p.Name]
	logger := r.logger.With("plugin", p.Name, "plugin_id", p.ID)
	h, err := pl.build(cfg, &Env{Index: ix, Logger: logger, Shared: r.shared, ID: p.ID})
	if err != nil {
		return nil, fmt.Errorf("plugin %s (%s): %w", p.ID, p.Name, err)
	}
	in := &Instance{Entity: p, Plugin: pl, rank: scopeRank(p), protos: protoSetOf(p.Protocols), logger: logger}
	in.rewrite, _ = h.(Rewrite)
	in.access, _ = h.(Access)
	in.header, _ = h.(HeaderFilter)
	in.body, _ = h.(BodyFilter)
	in.log, _ = h.(Log)
	in.cert, _ = h.(Certificate)
	if in.rewrite == nil && in.access == nil && in.header == nil && in.body == nil && in.log == nil && in.cert == nil {
		return nil, fmt.Errorf("plugin %s (%s): handler %T implements no phase", p.ID, p.Name, h)
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
