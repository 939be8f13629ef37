package router

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

const (
	// MaxUpdateRoutes is the most routes (removed plus added) Update takes
	// on; a larger change is Rebuild's (a full push, a big import).
	MaxUpdateRoutes = 64
	// maxUpdates is how many Updates in a row a router takes before the
	// next change is a Rebuild: removed routes leave empty trie nodes and
	// ranks get closer together, which a full build tidies up.
	maxUpdates = 500
)

// Update returns a router for r's routes without removed and with added,
// sharing with r everything the change does not touch: the matchers of
// the other routes, the trie nodes off the changed paths, the compiled
// regexes. Its work is proportional to the change (plus copying one
// pointer per matcher and the host maps), where Rebuild's is proportional
// to the whole config. r is left untouched and keeps serving.
//
// A changed route is removed and added (the new *entity.Route). Removal
// goes by route id, so the removed route may be another entity with the
// id of the one r was built from. service resolves the service ids of added routes; a missing one is
// an error, as in New. The result matches every request exactly as
// New(routes after the change) would.
//
// Update returns nil, nil when the change is better made by Rebuild: r is
// nil, the change is large, r has had many Updates since its last full
// build, or there is no room between two ranks for a new matcher. Routes
// must have distinct ids (a valid config's do); when an added route has the
// id of one r keeps, Update also leaves it to Rebuild.
func (r *Router) Update(removed, added []*entity.Route, service func(id string) *entity.Service) (*Router, error) {
	if r == nil || len(removed)+len(added) > MaxUpdateRoutes || r.updates >= maxUpdates {
		return nil, nil
	}
	cache := &regexCache{prev: r.regexes, next: maps.Clone(r.regexes)}
	var fresh []matcher
	for _, rt := range added {
		if rt == nil {
			return nil, fmt.Errorf("router: an added route is nil")
		}
		if !isHTTPRoute(rt) {
			continue
		}
		var svc *entity.Service
		if id := entity.RefID(rt.Service); id != "" {
			if svc = service(id); svc == nil {
				return nil, fmt.Errorf("router: route %s: service %s does not exist; create it or fix the route's service", routeLabel(rt), id)
			}
		}
		var err error
		if fresh, err = compileMatchers(fresh, rt, svc, 0, cache); err != nil {
			return nil, fmt.Errorf("router: %w", err)
		}
	}
	slices.SortFunc(fresh, func(a, b matcher) int { return a.compare(&b) })
	gone := make(map[string]bool, len(removed))
	for _, rt := range removed {
		if rt != nil {
			gone[rt.ID] = true
		}
	}

	// Merge r's matchers, less the removed ones, with the fresh ones; each
	// run of fresh matchers gets ranks between its two neighbours.
	sorted := make([]*matcher, 0, len(r.sorted)+len(fresh))
	var dropped, pending []*matcher
	last, j := int32(0), 0
	for _, m := range r.sorted {
		if gone[m.route.ID] {
			dropped = append(dropped, m)
			continue
		}
		for ; j < len(fresh) && fresh[j].compare(m) < 0; j++ {
			if fresh[j].route.ID == m.route.ID {
				return nil, nil // two routes with one id: New's input order decides
			}
			pending = append(pending, &fresh[j])
		}
		if j < len(fresh) && fresh[j].route.ID == m.route.ID {
			return nil, nil
		}
		if !placeRanks(pending, last, m.rank) {
			return nil, nil
		}
		sorted = append(append(sorted, pending...), m)
		pending, last = pending[:0], m.rank
	}
	for ; j < len(fresh); j++ {
		pending = append(pending, &fresh[j])
	}
	if !placeRanks(pending, last, noRank) {
		return nil, nil
	}
	sorted = append(sorted, pending...)
	for i := 1; i < len(fresh); i++ {
		if fresh[i].route.ID == fresh[i-1].route.ID && fresh[i].route != fresh[i-1].route {
			return nil, nil
		}
	}

	next := &Router{
		sorted: sorted, updates: r.updates + 1, regexes: cache.next,
		exact: r.exact, suffix: r.suffix, prefix: r.prefix, anyHost: r.anyHost,
	}
	var c cow
	for _, m := range dropped {
		next.edit(&c, m, func(t *pathTrie, key string, e entry) *pathTrie { return t.without(key, e.m) })
	}
	for i := range fresh {
		next.edit(&c, &fresh[i], func(t *pathTrie, key string, e entry) *pathTrie { return t.with(key, e) })
	}
	return next, nil
}

// Updates is how many Updates made r since its last full build (New or
// Rebuild), for logs and tests.
func (r *Router) Updates() int {
	if r == nil {
		return 0
	}
	return r.updates
}

// placeRanks gives the matchers of run ranks spread between lo and hi
// (both excluded); false when there is no room.
func placeRanks(run []*matcher, lo, hi int32) bool {
	if len(run) == 0 {
		return true
	}
	if int64(hi)-int64(lo) <= int64(len(run)) {
		return false
	}
	step := (int64(hi) - int64(lo)) / int64(len(run)+1)
	for i, m := range run {
		m.rank = int32(int64(lo) + step*int64(i+1))
	}
	return true
}

// cow records which of a router's maps Update has copied already, so each
// is copied once, before its first change.
type cow struct {
	exact, suffix, prefix bool
}

// edit replaces, in each bucket m is filed in (see index), the trie by
// what f makes of it for each of m's path keys. The maps holding the
// buckets are copied before their first change: r shares them with the
// router it was made from.
func (r *Router) edit(c *cow, m *matcher, f func(t *pathTrie, key string, e entry) *pathTrie) {
	if len(m.hosts) == 0 {
		eachKey(0, m, func(key string, e entry) { r.anyHost = f(r.anyHost, key, e) })
		return
	}
	for _, h := range m.hosts {
		var t *pathTrie
		var put func(*pathTrie)
		switch h.kind {
		case hostSuffix, hostPrefix:
			w, copied := &r.suffix, &c.suffix
			if h.kind == hostPrefix {
				w, copied = &r.prefix, &c.prefix
			}
			if !*copied {
				w.buckets, w.lengths, w.edges = maps.Clone(w.buckets), slices.Clone(w.lengths), slices.Clone(w.edges)
				*copied = true
			}
			t = w.bucket(h.key)
			put = func(n *pathTrie) { w.buckets[h.key] = n }
		default:
			if !c.exact {
				r.exact = maps.Clone(r.exact)
				if r.exact == nil {
					r.exact = map[string]*pathTrie{}
				}
				c.exact = true
			}
			if t = r.exact[h.key]; t == nil {
				t = &pathTrie{}
			}
			put = func(n *pathTrie) { r.exact[h.key] = n }
		}
		eachKey(uint16(h.port), m, func(key string, e entry) {
			t = f(t, key, e)
		})
		put(t)
	}
}

// clone is a copy of n that can take new children; its entries and
// header index are shared until replaced.
func (n *pathTrie) clone() *pathTrie {
	c := *n
	c.first, c.children = slices.Clone(n.first), slices.Clone(n.children)
	return &c
}

// with returns a copy of the trie n with e filed under key, in rank order
// after the entries of equal rank, sharing every node off key's path.
func (n *pathTrie) with(key string, e entry) *pathTrie {
	c := n.clone()
	if key == "" {
		i := len(c.entries)
		for i > 0 && c.entries[i-1].rank > e.rank {
			i--
		}
		c.entries = slices.Insert(slices.Clip(c.entries), i, e)
		c.hdr = buildHeaderIndex(c.entries)
		return c
	}
	i := bytes.IndexByte(c.first, key[0])
	if i < 0 {
		leaf := (&pathTrie{label: key}).with("", e)
		c.first, c.children = append(c.first, key[0]), append(c.children, leaf)
		return c
	}
	child := c.children[i]
	common := commonPrefix(child.label, key)
	if common < len(child.label) {
		// A new node holds the shared part, over a copy of child with
		// the rest of its label.
		rest := *child
		rest.label = child.label[common:]
		child = &pathTrie{label: child.label[:common], first: []byte{rest.label[0]}, children: []*pathTrie{&rest}}
	}
	c.children[i] = child.with(key[common:], e)
	return c
}

// without returns a copy of the trie n without m's entries under key,
// sharing every node off key's path; n itself when key has no node.
func (n *pathTrie) without(key string, m *matcher) *pathTrie {
	if key == "" {
		c := n.clone()
		c.entries = slices.DeleteFunc(slices.Clone(c.entries), func(e entry) bool { return e.m == m })
		c.hdr = buildHeaderIndex(c.entries)
		return c
	}
	i := bytes.IndexByte(n.first, key[0])
	if i < 0 || !strings.HasPrefix(key, n.children[i].label) {
		return n
	}
	c := n.clone()
	c.children[i] = n.children[i].without(key[len(n.children[i].label):], m)
	return c
}
