package snapshot_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// routeConfig has n routes /r<i>/ over services s0, s1 (s1 disabled).
func routeConfig(n int) *entity.Config {
	cfg := &entity.Config{}
	for i := range 2 {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("20000000-0000-4000-8000-%012d", i), fmt.Sprintf("s%d", i), "127.0.0.1"
		s.Enabled = i == 0
		cfg.Services = append(cfg.Services, s)
	}
	for i := range n {
		r := entity.NewRoute()
		r.ID, r.Name, r.Paths = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), fmt.Sprintf("r%d", i), []string{fmt.Sprintf("/r%d/", i)}
		r.Service = &entity.Ref{ID: cfg.Services[i%5/4].ID} // every fifth route on the disabled service
		cfg.Routes = append(cfg.Routes, r)
	}
	return cfg
}

// TestRouteDeltaUpdatesTheRouter: a config that shares every entity with
// the running one but a few routes (what a data plane's delta makes) gets
// its router by Router.Update, and routes exactly like a snapshot built
// from scratch: changed, added and deleted routes, and a route moved to a
// disabled service.
func TestRouteDeltaUpdatesTheRouter(t *testing.T) {
	t.Parallel()
	cfg := routeConfig(100)
	prev, err := snapshot.Build(cfg, nil, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := &entity.Config{Services: cfg.Services, Routes: slices.Clone(cfg.Routes)}
	changed := *next.Routes[3]
	changed.Paths = []string{"/moved"}
	next.Routes[3] = &changed
	toDisabled := *next.Routes[6]
	toDisabled.Service = &entity.Ref{ID: cfg.Services[1].ID}
	next.Routes[6] = &toDisabled
	added := entity.NewRoute()
	added.ID, added.Paths, added.Service = "10000000-0000-4000-8000-000000000999", []string{"/added"}, &entity.Ref{ID: cfg.Services[0].ID}
	next.Routes = append(slices.Delete(next.Routes, 10, 11), added)

	got, err := snapshot.Build(next, prev, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := snapshot.Build(next, nil, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Router().Updates(); n != 1 {
		t.Errorf("the router was made by %d Updates, want 1 (not rebuilt)", n)
	}
	for _, path := range []string{"/r3/", "/moved", "/r6/", "/added", "/r10/", "/r1/", "/r4/", "/r99/", "/r0/"} {
		g, w := match(got, path), match(want, path)
		if (g == nil) != (w == nil) || g != nil && g.Route != w.Route {
			t.Errorf("%s: updated snapshot routes to %v, one built from scratch to %v", path, g, w)
		}
	}
	if match(got, "/moved") == nil || match(got, "/r6/") != nil || match(got, "/r10/") != nil {
		t.Error("the delta's routes are not served as changed")
	}
	if match(prev, "/moved") != nil || match(prev, "/r10/") == nil {
		t.Error("building the next snapshot changed the running one")
	}
	// A service change rebuilds.
	svc := *cfg.Services[0]
	svc.Name = "renamed"
	again, err := snapshot.Build(&entity.Config{Services: []*entity.Service{&svc, cfg.Services[1]}, Routes: next.Routes}, got, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Router().Updates(); n != 0 {
		t.Errorf("a changed service gave a router made by %d Updates; it must be rebuilt", n)
	}
}
