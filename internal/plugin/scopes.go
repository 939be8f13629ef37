package plugin

import (
	"github.com/gantryhq/gantry/internal/entity"
)

// entry is one plugin name in a route's chain. base is the best instance
// that does not depend on the consumer; the maps hold consumer-scoped
// instances by consumer id, at the three precedence levels that can beat or
// lose to base. Maps shared between routes (service, global level) are
// built once per snapshot.
type entry struct {
	plugin   *Plugin
	base     *Instance
	route    map[string]*Instance // consumer+route(+service)
	service  map[string]*Instance // consumer+service
	consumer map[string]*Instance // consumer only
}

// resolve picks the instance for a request of consumer id cid ("" before
// authentication or for anonymous traffic); nil means the plugin does not
// run. Two or three map lookups at most, on maps that are usually nil.
func (e *entry) resolve(cid string) *Instance {
	if cid != "" {
		if in := e.route[cid]; in != nil {
			return in
		}
		if in := e.service[cid]; in != nil {
			return in
		}
		if e.base != nil && e.base.rank == rankRouteService {
			return e.base
		}
		if in := e.consumer[cid]; in != nil {
			return in
		}
	}
	return e.base
}

// scopes indexes instances by what they attach to, to build route chains
// without scanning every plugin for every route.
type scopes struct {
	byRoute   map[string][]*Instance // route set (any service/consumer)
	byService map[string][]*Instance // service set, no route
	global    []*Instance            // neither route nor service

	svcConsumer map[string]map[string]map[string]*Instance // service → name → consumer
	// globalEntries is the part every chain shares (global and
	// consumer-only instances), resolved once instead of per route.
	globalEntries map[string]*entry
	// rewrite lists the global instances with a rewrite handler: Kong runs
	// them before routing, so a route's own instance of the same name
	// does not replace them in that phase.
	rewrite []*Instance
}

func newScopes(insts []*Instance) *scopes {
	sc := &scopes{
		byRoute: map[string][]*Instance{}, byService: map[string][]*Instance{},
		svcConsumer: map[string]map[string]map[string]*Instance{},
	}
	for _, in := range insts {
		r, s := entity.RefID(in.Entity.Route), entity.RefID(in.Entity.Service)
		switch {
		case r != "":
			sc.byRoute[r] = append(sc.byRoute[r], in)
		case s != "":
			sc.byService[s] = append(sc.byService[s], in)
		default:
			sc.global = append(sc.global, in)
		}
	}
	sc.globalEntries = map[string]*entry{}
	for _, in := range sc.global {
		addBase(sc.globalEntries, in)
	}
	for name, m := range consumerMaps(sc.global) {
		sc.globalEntries[name].consumer = m
	}
	for _, e := range sc.globalEntries {
		if e.base != nil && e.base.rewrite != nil {
			sc.rewrite = append(sc.rewrite, e.base)
		}
	}
	sortInstances(sc.rewrite)
	return sc
}

// addBase records in as a candidate of its plugin name: as the base when
// it does not depend on the consumer and beats the current base; consumer
// instances only make the name present (they live in the consumer maps).
func addBase(entries map[string]*entry, in *Instance) {
	e := entries[in.Plugin.name]
	if e == nil {
		e = &entry{plugin: in.Plugin}
		entries[in.Plugin.name] = e
	}
	if entity.RefID(in.Entity.Consumer) == "" && better(in, e.base) {
		e.base = in
	}
}

// consumerMaps groups the consumer-scoped instances of list by name and
// consumer id; nil when there is none.
func consumerMaps(list []*Instance) map[string]map[string]*Instance {
	var out map[string]map[string]*Instance
	for _, in := range list {
		cid := entity.RefID(in.Entity.Consumer)
		if cid == "" {
			continue
		}
		if out == nil {
			out = map[string]map[string]*Instance{}
		}
		m := out[in.Plugin.name]
		if m == nil {
			m = map[string]*Instance{}
			out[in.Plugin.name] = m
		}
		if better(in, m[cid]) {
			m[cid] = in
		}
	}
	return out
}

// better reports whether a beats b (nil b loses): higher rank, then the
// smaller id so that the choice is deterministic.
func better(a, b *Instance) bool {
	if b == nil {
		return true
	}
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	return a.Entity.ID < b.Entity.ID
}

// chain builds the chain of a route (routeID "" for the no-route chain).
func (sc *scopes) chain(routeID, serviceID string) *Chain {
	entries := make(map[string]*entry, len(sc.globalEntries)+4)
	for name, e := range sc.globalEntries {
		c := *e
		entries[name] = &c
	}
	if serviceID != "" {
		svc := sc.byService[serviceID]
		for _, in := range svc {
			addBase(entries, in)
		}
		if _, done := sc.svcConsumer[serviceID]; !done {
			sc.svcConsumer[serviceID] = consumerMaps(svc)
		}
		for name, m := range sc.svcConsumer[serviceID] {
			entries[name].service = m
		}
	}
	if routeID != "" {
		var mine []*Instance
		for _, in := range sc.byRoute[routeID] {
			if s := entity.RefID(in.Entity.Service); s != "" && s != serviceID {
				continue // route+service instance for a service this route does not use
			}
			mine = append(mine, in)
			addBase(entries, in)
		}
		for name, m := range consumerMaps(mine) {
			entries[name].route = m
		}
	}
	return newChain(entries, sc.rewrite)
}
