package plugin_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// TestWithRoutesAgreesWithBuildChains: chains derived from the previous
// config's with WithRoutes resolve, for every route and for requests that
// matched none, exactly what BuildChains resolves from scratch, over
// random configs whose routes are removed, added and moved between
// services while plugins at every scope stay.
func TestWithRoutesAgreesWithBuildChains(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	rng := rand.New(rand.NewPCG(9, 9))
	services := []string{"s1", "s2", "s3"}
	service := func() string {
		if rng.IntN(5) == 0 {
			return ""
		}
		return services[rng.IntN(len(services))]
	}
	for round := range 300 {
		cfg := &entity.Config{Consumers: []*entity.Consumer{plugintest.Consumer("c1", "alice"), plugintest.Consumer("c2", "bob")}}
		for _, s := range services {
			cfg.Services = append(cfg.Services, plugintest.Service(s))
		}
		// Routes k0..k3 keep their ids (plugins may be scoped to them);
		// the others come and go.
		for i := range 8 {
			cfg.Routes = append(cfg.Routes, plugintest.Route(fmt.Sprintf("k%d", i%4)+strings.Repeat("x", i/4), service(), fmt.Sprintf("/r%d", i)))
		}
		scopes := []plugintest.Scope{{}, {Service: "s1"}, {Service: "s2"}, {Route: "k0"}, {Route: "k1", Service: "s1"},
			{Consumer: "c1"}, {Consumer: "c1", Service: "s2"}, {Consumer: "c2", Route: "k2"}, {Consumer: "c1", Route: "k3", Service: "s3"}}
		for _, sc := range scopes {
			if rng.IntN(2) == 0 {
				cfg.Plugins = append(cfg.Plugins, plugintest.Plugin("test-tag", map[string]any{"value": scopeName(sc)}, sc))
			}
		}
		sortRoutes(cfg)
		prev, err := reg.BuildChains(cfg)
		if err != nil {
			t.Fatal(err)
		}

		next := *cfg
		next.Routes = nil
		var removed, added []*entity.Route
		for _, r := range cfg.Routes {
			keep := strings.HasPrefix(r.Name, "k") && !strings.Contains(r.Name, "x")
			switch {
			case !keep && rng.IntN(3) == 0: // removed
				removed = append(removed, r)
			case rng.IntN(3) == 0: // replaced: another service
				moved := *r
				moved.Service = nil
				if s := service(); s != "" {
					moved.Service = plugintest.Ref(s)
				}
				removed, added = append(removed, r), append(added, &moved)
				next.Routes = append(next.Routes, &moved)
			default:
				next.Routes = append(next.Routes, r)
			}
		}
		for i := range rng.IntN(3) {
			r := plugintest.Route(fmt.Sprintf("new%d-%d", round, i), service(), fmt.Sprintf("/n%d", i))
			added = append(added, r)
			next.Routes = append(next.Routes, r)
		}
		sortRoutes(&next)
		derived := prev.WithRoutes(&next, removed, added)
		fresh, err := reg.BuildChains(&next)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := plugin.DescribeChain(derived.Global()), plugin.DescribeChain(fresh.Global()); got != want {
			t.Fatalf("round %d: global chain\n%s\nwant\n%s", round, got, want)
		}
		for _, r := range next.Routes {
			d, ok := derived.For(r.ID)
			if !ok {
				t.Fatalf("round %d: derived chains lack route %s", round, r.Name)
			}
			if got, want := plugin.DescribeChain(d), plugin.DescribeChain(fresh.Route(r.ID)); got != want {
				t.Fatalf("round %d: route %s (service %s)\n%s\nwant\n%s", round, r.Name, entity.RefID(r.Service), got, want)
			}
		}
		for _, r := range removed {
			if _, ok := derived.For(r.ID); ok && !slices.ContainsFunc(added, func(a *entity.Route) bool { return a.ID == r.ID }) {
				t.Fatalf("round %d: derived chains still hold removed route %s", round, r.Name)
			}
		}
		if derived.Config() != &next {
			t.Fatal("derived chains do not belong to the config they were derived for")
		}
		prev.Release()
		derived.Release()
		fresh.Release()
	}
}

func sortRoutes(cfg *entity.Config) {
	slices.SortFunc(cfg.Routes, func(a, b *entity.Route) int { return strings.Compare(a.ID, b.ID) })
}
