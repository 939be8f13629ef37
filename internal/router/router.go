// Package router matches requests to routes with Kong 3.x
// "traditional_compatible" semantics and computes the upstream path.
//
// A Router is immutable once built: the proxy builds one per config snapshot
// and matches on it without locks. The priority order it implements is
// written down in README.md next to this file.
package router

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"regexp"
	"slices"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/yield"
)

// Request is what the router sees of a request.
type Request struct {
	Method  string
	Host    string // Host header as received, may include a port; any case
	Path    string // raw (escaped) path; a query string, if left on, is ignored
	Headers http.Header
	SNI     string // TLS server name, "" for plain text or no SNI
	// TLS is true for requests that arrived over TLS. A non-empty SNI
	// implies it. Route snis are only checked for TLS requests, as Kong does.
	TLS     bool
	SrcIP   netip.Addr
	SrcPort int
	DstIP   netip.Addr
	// DstPort is the port the request arrived on. A route host with a port
	// ("example.com:8080") is compared with the Host header's port, or with
	// DstPort when the Host header has none.
	DstPort int
}

// Match is the result of a successful match.
type Match struct {
	Route   *entity.Route
	Service *entity.Service // nil when the route has no service
	// UpstreamPath is the path to send upstream: strip_path applied and the
	// service path joined per path_handling, percent-encoded as Kong sends it.
	UpstreamPath string
	// Captures holds the regex path captures by name and by index ("0" for
	// the whole match, then "1", "2"...), used by uri_capture hashing and
	// plugins. It is nil unless a regex path with capture groups matched;
	// groups that did not take part in the match are absent.
	Captures map[string]string
	// Path is the normalized request path the route was matched against.
	Path string
	// StrippedPrefix is the part of Path that strip_path removed ("" when
	// nothing was stripped); Kong sends it as X-Forwarded-Prefix.
	StrippedPrefix string
}

// Router is a compiled, immutable set of routes.
type Router struct {
	sorted  []*matcher // best first, ranks ascending
	updates int        // Updates since the last full build
	exact   map[string]*pathTrie
	suffix  wildcardIndex             // "*.example.com" keyed by ".example.com"
	prefix  wildcardIndex             // "example.*" keyed by "example."
	anyHost *pathTrie                 // routes without hosts
	regexes map[string]*regexp.Regexp // by pattern, for Rebuild to reuse
}

// New compiles routes. services is used to resolve each route's service; a
// route whose service is missing from it is an error. Invalid regexes are
// reported with the route and the path. Routes that serve none of http,
// https, grpc, grpcs, ws, wss are left out; a route with no protocols at
// all counts as Kong's default, http and https.
func New(routes []*entity.Route, services []*entity.Service) (*Router, error) {
	return build(routes, services, nil)
}

// Rebuild is New reusing r's compiled regexes for the patterns the new
// routes still use: compiling regexes is a large part of building a big
// config, and most of it does not change from one config to the next. r is
// left untouched and keeps serving; a nil r builds from scratch.
func (r *Router) Rebuild(routes []*entity.Route, services []*entity.Service) (*Router, error) {
	var prev map[string]*regexp.Regexp
	if r != nil {
		prev = r.regexes
	}
	return build(routes, services, prev)
}

func build(routes []*entity.Route, services []*entity.Service, prev map[string]*regexp.Regexp) (*Router, error) {
	byID := make(map[string]*entity.Service, len(services))
	for _, s := range services {
		if s != nil {
			byID[s.ID] = s
		}
	}
	cache := &regexCache{prev: prev, next: map[string]*regexp.Regexp{}}
	ms := make([]matcher, 0, len(routes))
	var y yield.Point
	for i, r := range routes {
		y.Tick()
		if r == nil {
			return nil, fmt.Errorf("router: routes[%d] is nil", i)
		}
		if !isHTTPRoute(r) {
			continue
		}
		var svc *entity.Service
		if id := entity.RefID(r.Service); id != "" {
			if svc = byID[id]; svc == nil {
				return nil, fmt.Errorf("router: route %s: service %s does not exist; create it or fix the route's service", routeLabel(r), id)
			}
		}
		var err error
		if ms, err = compileMatchers(ms, r, svc, i, cache); err != nil {
			return nil, fmt.Errorf("router: %w", err)
		}
	}
	// compare is a total order, so a plain sort is deterministic; sorting
	// indexes avoids moving the large matcher structs around.
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		y.Tick()
		return ms[a].compare(&ms[b])
	})
	permute(ms, order)
	sorted := make([]*matcher, len(ms))
	for i := range ms {
		sorted[i] = &ms[i]
	}
	spreadRanks(sorted)
	rt := &Router{sorted: sorted, exact: map[string]*pathTrie{}, anyHost: &pathTrie{}, regexes: cache.next}
	rt.suffix.suffix = true
	for _, m := range sorted {
		y.Tick()
		rt.index(m)
	}
	rt.anyHost.finish(&y)
	for _, t := range rt.exact {
		y.Tick()
		t.finish(&y)
	}
	for _, t := range rt.suffix.buckets {
		t.finish(&y)
	}
	for _, t := range rt.prefix.buckets {
		t.finish(&y)
	}
	return rt, nil
}

// index files matcher m in the bucket of each of its hosts (or the
// host-less bucket), under each of its path keys.
func (rt *Router) index(m *matcher) {
	if len(m.hosts) == 0 {
		fileByPath(rt.anyHost, 0, m)
		return
	}
	for _, h := range m.hosts {
		var b *pathTrie
		switch h.kind {
		case hostSuffix:
			b = rt.suffix.bucket(h.key)
		case hostPrefix:
			b = rt.prefix.bucket(h.key)
		default:
			if b = rt.exact[h.key]; b == nil {
				b = &pathTrie{}
				rt.exact[h.key] = b
			}
		}
		fileByPath(b, uint16(h.port), m)
	}
}

// fileByPath inserts m into t under each prefix path, or each regex's
// literal start, or the root when m has no paths.
func fileByPath(t *pathTrie, port uint16, m *matcher) {
	eachKey(port, m, t.insert)
}

// eachKey calls file with each path key of m and the entry to file there:
// each prefix path, each regex's literal start, or "" when m has no paths.
func eachKey(port uint16, m *matcher, file func(key string, e entry)) {
	switch {
	case len(m.prefixes) > 0:
		for _, p := range m.prefixes {
			file(p, entry{m: m, rank: m.rank, port: port, regex: -1})
		}
	case len(m.regexes) > 0:
		for i, start := range m.starts {
			idx := int16(regexAny)
			if i <= math.MaxInt16 {
				idx = int16(i)
			}
			file(start, entry{m: m, rank: m.rank, port: port, regex: idx})
		}
	default:
		file("", entry{m: m, rank: m.rank, port: port, regex: -1})
	}
}

// Len reports how many matchers (routes, or path groups of routes) the
// router holds.
func (r *Router) Len() int { return len(r.sorted) }

// noRank is above every matcher's rank: no match yet.
const noRank = math.MaxInt32

// spreadRanks numbers sorted (best first) with ranks spread evenly over
// 1..noRank-1, leaving room between neighbours for Update.
func spreadRanks(sorted []*matcher) {
	gap := max(1, (noRank-1)/(len(sorted)+1))
	for i, m := range sorted {
		m.rank = int32((i + 1) * gap)
	}
}

// permute puts ms in the order order lists (ms[i] becomes the old
// ms[order[i]]) in place, following each cycle of the permutation, so
// that no second slice of matchers is allocated. It consumes order.
func permute(ms []matcher, order []int) {
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp, j := ms[i], i
		for {
			k := order[j]
			order[j] = -1
			if k == i {
				ms[j] = tmp
				break
			}
			ms[j] = ms[k]
			j = k
		}
	}
}
