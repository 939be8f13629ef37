package snapshot_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// TestPatchedRoutesAgreeWithABuild applies random route deltas the way a
// data plane gets them (untouched routes keep their entities; routes
// removed, added, moved to another service or to a disabled one) and
// checks each snapshot built on the one before against one built from
// scratch: every path matches the same route, untouched routes keep their
// entries, and neither the chains nor the router were built again (but
// for the router's tidy-up after many updates).
func TestPatchedRoutesAgreeWithABuild(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	counter := &countingBuilder{reg: plugin.Bundled(nil)}
	opts := snapshot.Options{Validated: true, Plugins: counter}
	var services []*entity.Service
	for i := range 3 {
		s := entity.NewService()
		s.ID, s.Host, s.Enabled = fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i), "backend.internal", i != 2
		services = append(services, s)
	}
	seq := 0
	newRoute := func() *entity.Route {
		seq++
		r := entity.NewRoute()
		r.ID, r.Paths = fmt.Sprintf("00000000-0000-4000-9000-%012d", rng.IntN(1e9)), []string{fmt.Sprintf("/p%d", seq)}
		r.Service = &entity.Ref{ID: services[rng.IntN(len(services))].ID}
		return r
	}
	cfg := &entity.Config{Services: services}
	for range 40 {
		cfg.Routes = append(cfg.Routes, newRoute())
	}
	byID := func(a, b *entity.Route) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(cfg.Routes, byID)
	prev, err := snapshot.Build(cfg, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	paths := func(c *entity.Config) (out []string) {
		for _, r := range c.Routes {
			out = append(out, r.Paths[0])
		}
		return out
	}
	rebuilt := 0
	for step := 0; rebuilt == 0; step++ {
		if step == 1000 {
			t.Fatal("1,000 route deltas and the router never tidied up (router.maxUpdates)")
		}
		next := *cfg
		next.Routes = nil
		touched := map[string]bool{}
		for _, r := range cfg.Routes {
			switch rng.IntN(20) {
			case 0: // removed
				touched[r.ID] = true
			case 1: // moved to another service, or another path
				moved := *r
				if rng.IntN(2) == 0 {
					moved.Service = &entity.Ref{ID: services[rng.IntN(len(services))].ID}
				} else {
					moved.Paths = []string{r.Paths[0] + "m"}
				}
				touched[r.ID] = true
				next.Routes = append(next.Routes, &moved)
			default:
				next.Routes = append(next.Routes, r)
			}
		}
		for range rng.IntN(3) {
			r := newRoute()
			touched[r.ID] = true
			next.Routes = append(next.Routes, r)
		}
		slices.SortFunc(next.Routes, byID)
		builds, updates := counter.builds, prev.Router().Updates()
		got, err := snapshot.Build(&next, prev, opts)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		fresh, err := snapshot.Build(&next, nil, snapshot.Options{Validated: true, Plugins: counter})
		if err != nil {
			t.Fatal(err)
		}
		if counter.builds != builds+1 { // fresh's only
			t.Fatalf("step %d: the snapshot built on the previous one built its plugin chains again", step)
		}
		switch n := got.Router().Updates(); {
		case n == 0 && updates >= 400: // the router's periodic tidy-up (router.maxUpdates)
			rebuilt++
		case n != updates && n != updates+1:
			t.Fatalf("step %d: the router was rebuilt (updates %d → %d), not updated", step, updates, n)
		}
		for _, path := range append(paths(cfg), paths(&next)...) {
			g, f := match(got, path), match(fresh, path)
			if (g == nil) != (f == nil) || g != nil && (g.Route.ID != f.Route.ID || g.Service.Service.ID != f.Service.Service.ID || g.Chain == nil) {
				t.Fatalf("step %d: %s matched %+v, a fresh build %+v", step, path, g, f)
			}
			if g != nil && !touched[g.Route.ID] {
				if p := match(prev, g.Route.Paths[0]); p != g {
					t.Fatalf("step %d: untouched route %s got a new entry", step, g.Route.ID)
				}
			}
		}
		fresh.Retire(nil)
		prev.Retire(got)
		prev, cfg = got, &next
	}
	prev.Retire(nil)
}
