package router

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// randomRoutes makes routes of every shape the router indexes differently:
// exact, wildcard and ported hosts, prefix paths of several lengths sharing
// trie nodes, regexes, header-only and method-only routes, and enough
// routes on one path for its node to get a header index.
type randomRoutes struct {
	rnd      *rand.Rand
	services []*entity.Service
	next     int
}

func (g *randomRoutes) pick(list ...string) string { return list[g.rnd.IntN(len(list))] }

func (g *randomRoutes) route(id string) *entity.Route {
	g.next++
	r := entity.NewRoute()
	r.ID, r.Name = id, fmt.Sprintf("r%d", g.next)
	r.CreatedAt = int64(1700000000 + g.rnd.IntN(3))
	if g.rnd.IntN(4) > 0 {
		r.Service = &entity.Ref{ID: g.services[g.rnd.IntN(len(g.services))].ID}
	}
	switch g.rnd.IntN(6) {
	case 0:
		r.Hosts = []string{g.pick("a.com", "b.com", "a.com:8000")}
	case 1:
		r.Hosts = []string{g.pick("*.a.com", "*.b.com", "a.*", "*.com"), g.pick("c.com", "b.com")}
	}
	switch g.rnd.IntN(8) {
	case 0:
		r.Paths = []string{`~/u/\d+`, g.pick("/u", "/v")}
		r.RegexPriority = g.rnd.IntN(3)
	case 1:
		r.Paths = []string{g.pick(`~/f/(.*)\.png`, `~.*admin`, `~/u/[a-z]+`)}
	case 2, 7: // host-less, so that node gets over headerIndexMin entries
		r.Hosts, r.Paths = nil, []string{"/t"}
		r.Headers = map[string][]string{"x-tenant": {g.pick("a", "b", "c", "~*^d")}}
	case 3:
		if len(r.Hosts) == 0 {
			r.Methods = []string{g.pick("GET", "DELETE")}
			break
		}
		fallthrough
	default:
		r.Paths = []string{g.pick("/", "/a", "/ab", "/abc", "/a/b", "/b", "/u"), g.pick("/x", "/a", "/abcd")}
	}
	if g.rnd.IntN(5) == 0 {
		r.Methods = []string{g.pick("GET", "POST")}
	}
	return r
}

// requests are requests aimed at routes' hosts and paths, and some at none.
func requests() []*Request {
	var out []*Request
	for _, host := range []string{"", "a.com", "a.com:8000", "x.a.com", "b.com", "a.org", "c.com"} {
		for _, path := range []string{"/", "/a", "/ab", "/abc", "/abcd/e", "/a/b/c", "/b", "/u", "/u/12", "/u/ab", "/f/x.png", "/zadmin", "/t", "/x", "/v"} {
			for _, method := range []string{"GET", "POST", "DELETE"} {
				out = append(out, &Request{Method: method, Host: host, Path: path, DstPort: 80,
					Headers: http.Header{"X-Tenant": {string("abcd"[len(out)%4])}}})
			}
		}
	}
	return out
}

// TestUpdateMatchesRebuild applies random sequences of route changes with
// Update and checks after each that the router has the same matchers in
// the same order as New on the resulting routes, ranks strictly
// ascending, and gives every request the same answer as New's router and
// as the reference search.
func TestUpdateMatchesRebuild(t *testing.T) {
	t.Parallel()
	reqs := requests()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			g := &randomRoutes{rnd: rand.New(rand.NewPCG(seed, 7))}
			for i := range 3 {
				s := entity.NewService()
				s.ID, s.Name, s.Host = fmt.Sprintf("20000000-0000-4000-8000-%012d", i), fmt.Sprintf("s%d", i), "127.0.0.1"
				g.services = append(g.services, s)
			}
			lookup := func(id string) *entity.Service {
				for _, s := range g.services {
					if s.ID == id {
						return s
					}
				}
				return nil
			}
			var routes []*entity.Route
			ids := 0
			newID := func() string { ids++; return fmt.Sprintf("10000000-0000-4000-8000-%012d", ids) }
			for range 40 {
				routes = append(routes, g.route(newID()))
			}
			cur, err := New(routes, g.services)
			if err != nil {
				t.Fatal(err)
			}
			updates := 0
			for step := range 150 {
				var removed, added []*entity.Route
				for range 1 + g.rnd.IntN(4) {
					switch op := g.rnd.IntN(3); {
					case op == 0 || len(routes) < 5: // add
						r := g.route(newID())
						routes, added = append(routes, r), append(added, r)
					case op == 1: // delete
						i := g.rnd.IntN(len(routes))
						if slices.Contains(added, routes[i]) {
							continue
						}
						removed = append(removed, routes[i])
						routes = slices.Delete(routes, i, i+1)
					default: // change: same id, new entity
						i := g.rnd.IntN(len(routes))
						if slices.Contains(added, routes[i]) {
							continue
						}
						r := g.route(routes[i].ID)
						removed, added = append(removed, routes[i]), append(added, r)
						routes[i] = r
					}
				}
				next, err := cur.Update(removed, added, lookup)
				if err != nil {
					t.Fatalf("step %d: Update: %v", step, err)
				}
				if next == nil {
					next, err = cur.Rebuild(routes, g.services)
					if err != nil {
						t.Fatalf("step %d: Rebuild: %v", step, err)
					}
				} else {
					updates++
				}
				want, err := New(routes, g.services)
				if err != nil {
					t.Fatal(err)
				}
				sameRouters(t, step, next, want, reqs)
				cur = next
			}
			if updates < 100 {
				t.Fatalf("only %d of 150 changes were made by Update; the test does not exercise it", updates)
			}
		})
	}
}

func sameRouters(t *testing.T, step int, got, want *Router, reqs []*Request) {
	t.Helper()
	if len(got.sorted) != len(want.sorted) {
		t.Fatalf("step %d: %d matchers, New has %d", step, len(got.sorted), len(want.sorted))
	}
	for i := range got.sorted {
		g, w := got.sorted[i], want.sorted[i]
		if g.route != w.route || g.group != w.group {
			t.Fatalf("step %d: matcher %d is %s group %d, New has %s group %d", step, i, g.route.Name, g.group, w.route.Name, w.group)
		}
		if i > 0 && got.sorted[i-1].rank >= g.rank {
			t.Fatalf("step %d: ranks not ascending at %d: %d then %d", step, i, got.sorted[i-1].rank, g.rank)
		}
	}
	for _, req := range reqs {
		g, w, ref := got.Match(req), want.Match(req), naiveMatch(got, req)
		name := func(m *Match) string {
			if m == nil {
				return "no match"
			}
			return m.Route.Name + " " + m.UpstreamPath
		}
		if name(g) != name(w) {
			t.Fatalf("step %d: %s %s%s: updated router says %s, New's says %s", step, req.Method, req.Host, req.Path, name(g), name(w))
		}
		if (g == nil) != (ref == nil) || g != nil && g.Route != ref.route {
			t.Fatalf("step %d: %s %s%s: updated router says %s, the reference search disagrees", step, req.Method, req.Host, req.Path, name(g))
		}
	}
}

// TestUpdateLeavesTheOldRouterAlone: the router Update started from keeps
// answering as before, since requests still use it.
func TestUpdateLeavesTheOldRouterAlone(t *testing.T) {
	t.Parallel()
	a, b := route("a", paths("/a")), route("b", with(hosts("x.com"), paths("/a/b")))
	old, err := New([]*entity.Route{a, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2 := route("a", paths("/a", "/c"))
	c := route("c", with(hosts("*.com"), paths("/a/b/c")))
	next, err := old.Update([]*entity.Route{a, b}, []*entity.Route{a2, c}, func(string) *entity.Service { return nil })
	if err != nil || next == nil {
		t.Fatalf("Update: %v, %v", next, err)
	}
	for _, tc := range []struct {
		r          *Router
		host, path string
		want       *entity.Route
	}{
		{old, "x.com", "/a/b/c", b}, {old, "", "/c", nil}, {old, "y.com", "/a/b/c", a},
		{next, "x.com", "/a/b/c", c}, {next, "", "/c", a2}, {next, "x.com", "/a/b", a2},
	} {
		m := tc.r.Match(&Request{Method: "GET", Host: tc.host, Path: tc.path})
		if (m == nil) != (tc.want == nil) || m != nil && m.Route != tc.want {
			t.Errorf("%s%s: got %+v, want %v", tc.host, tc.path, m, tc.want)
		}
	}
}

func TestUpdateErrorsAndFallbacks(t *testing.T) {
	t.Parallel()
	a := route("a", paths("/a"))
	r, err := New([]*entity.Route{a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	none := func(string) *entity.Service { return nil }
	orphan := route("o", with(paths("/o"), func(r *entity.Route) { r.Service = &entity.Ref{ID: "20000000-0000-4000-8000-000000000009"} }))
	if _, err := r.Update(nil, []*entity.Route{orphan}, none); err == nil {
		t.Error("Update accepted a route whose service does not exist")
	}
	if _, err := r.Update(nil, []*entity.Route{route("bad", paths("~(("))}, none); err == nil {
		t.Error("Update accepted an invalid regex")
	}
	dup := route("a", paths("/b")) // same id as a, which stays
	if next, err := r.Update(nil, []*entity.Route{dup}, none); next != nil || err != nil {
		t.Errorf("Update with a duplicate id = %v, %v; want nil, nil (rebuild)", next, err)
	}
	var many []*entity.Route
	for i := range MaxUpdateRoutes + 1 {
		many = append(many, route(fmt.Sprint("m", i), paths("/m")))
	}
	if next, err := r.Update(nil, many, none); next != nil || err != nil {
		t.Errorf("Update of %d routes = %v, %v; want nil, nil (rebuild)", len(many), next, err)
	}
	var nilRouter *Router
	if next, err := nilRouter.Update(nil, []*entity.Route{a}, none); next != nil || err != nil {
		t.Errorf("Update on a nil router = %v, %v; want nil, nil", next, err)
	}
}

// TestUpdateRunsOutOfRanks: inserting again and again between the same two
// neighbours ends in nil (rebuild), never in two equal ranks.
func TestUpdateRunsOutOfRanks(t *testing.T) {
	t.Parallel()
	lo := route("lo", with(hosts("a.com"), paths("/aaaa"))) // weight 2, long prefix: first
	hi := route("hi", paths("/"))                           // weight 1: last
	r, err := New([]*entity.Route{lo, hi}, nil)
	if err != nil {
		t.Fatal(err)
	}
	none := func(string) *entity.Service { return nil }
	for i := range 100 {
		// Each one goes right after lo: same weight, shorter prefix,
		// longer than the last one's... all between lo and hi.
		add := route(fmt.Sprint("n", i), with(hosts("a.com"), paths("/aaa")))
		add.CreatedAt = lo.CreatedAt - int64(i) - 1 // older first: each new one goes first among them
		next, err := r.Update(nil, []*entity.Route{add}, none)
		if err != nil {
			t.Fatal(err)
		}
		if next == nil {
			if i < 10 {
				t.Fatalf("no room after %d insertions", i)
			}
			return
		}
		for j := 1; j < len(next.sorted); j++ {
			if next.sorted[j-1].rank >= next.sorted[j].rank {
				t.Fatalf("after %d insertions ranks %d, %d are not ascending", i+1, next.sorted[j-1].rank, next.sorted[j].rank)
			}
		}
		r = next
	}
	t.Fatal("100 insertions at one place never ran out of room: ranks are not being halved")
}
