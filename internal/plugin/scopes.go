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

	svcConsumer    map[string]map[string]map[string]*Instance // service → name → consumer
	globalConsumer map[string]map[string]*Instance            // name → consumer
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
	sc.globalConsumer = consumerMaps(sc.global)
	return sc
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
	entries := map[string]*entry{}
	get := func(p *Plugin) *entry {
		e := entries[p.name]
		if e == nil {
			e = &entry{plugin: p}
			entries[p.name] = e
		}
		return e
	}
	addBase := func(in *Instance) {
		if entity.RefID(in.Entity.Consumer) == "" {
			if e := get(in.Plugin); better(in, e.base) {
				e.base = in
			}
		} else {
			get(in.Plugin)
		}
	}
	for _, in := range sc.global {
		addBase(in)
	}
	for name, m := range sc.globalConsumer {
		entries[name].consumer = m
	}
	if serviceID != "" {
		svc := sc.byService[serviceID]
		for _, in := range svc {
			addBase(in)
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
			addBase(in)
		}
		for name, m := range consumerMaps(mine) {
			entries[name].route = m
		}
	}
	return newChain(entries)
}
