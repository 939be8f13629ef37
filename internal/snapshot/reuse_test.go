package snapshot_test

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// fixedConfig builds a fresh config (new pointers every call, as a data
// plane decoding a push gets) with fixed ids: a service on an upstream
// with one target, one route on path, and the certificate pair for sni
// when sni is set.
func fixedConfig(path, target, sni string, pair [2]string) *entity.Config {
	up := entity.NewUpstream()
	up.ID, up.Name = "00000000-0000-4000-8000-000000000001", "backend.internal"
	tg := entity.NewTarget()
	tg.ID, tg.Target, tg.Upstream = "00000000-0000-4000-8000-000000000002", target, &entity.Ref{ID: up.ID}
	svc := entity.NewService()
	svc.ID, svc.Host = "00000000-0000-4000-8000-000000000003", "backend.internal"
	r := entity.NewRoute()
	r.ID, r.Paths, r.Service = "00000000-0000-4000-8000-000000000004", []string{path}, &entity.Ref{ID: svc.ID}
	cfg := &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{r},
		Upstreams: []*entity.Upstream{up}, Targets: []*entity.Target{tg}}
	if sni != "" {
		cfg.Certificates = []*entity.Certificate{{Meta: entity.Meta{ID: "00000000-0000-4000-8000-000000000005"}, Cert: pair[0], Key: pair[1], SNIs: []string{sni}}}
	}
	return cfg
}

func TestUnchangedPartsAreReused(t *testing.T) {
	t.Parallel()
	var pair [2]string
	pair[0], pair[1] = selfSigned(t, "reuse.example", false)
	counter := &countingBuilder{reg: plugin.Bundled(nil)}
	builds := &counter.builds
	opts := snapshot.Options{Plugins: counter}
	buildWith := func(cfg *entity.Config, prev *snapshot.Snapshot) *snapshot.Snapshot {
		t.Helper()
		s, err := snapshot.Build(cfg, prev, opts)
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		return s
	}
	first := buildWith(fixedConfig("/a", "127.0.0.1:9001", "reuse.example", pair), nil)
	defer first.Retire(nil)
	svcID := first.Config().Services[0].ID

	same := buildWith(fixedConfig("/a", "127.0.0.1:9001", "reuse.example", pair), first)
	if *builds != 1 {
		t.Errorf("an equal config built plugin chains again (%d builds in all)", *builds)
	}
	if match(same, "/a") == nil || match(same, "/a").Chain != match(first, "/a").Chain {
		t.Error("an equal config did not keep serving /a with the same plugin chain")
	}
	if same.Certificates() != first.Certificates() || same.Service(svcID) != first.Service(svcID) {
		t.Error("an equal config rebuilt its certificate store or services")
	}

	moved := buildWith(fixedConfig("/b", "127.0.0.1:9001", "reuse.example", pair), same)
	if match(moved, "/b") == nil || match(moved, "/a") != nil {
		t.Error("a changed route path is not what the new snapshot serves")
	}
	if *builds != 1 {
		t.Errorf("a changed route built every plugin chain again (%d builds in all); its own is derived from the previous chains", *builds)
	}
	if c := match(moved, "/b").Chain; c == nil || c == match(same, "/a").Chain {
		t.Error("a changed route kept the chain of the route it replaced")
	}
	if moved.Certificates() != first.Certificates() {
		t.Error("a route change rebuilt the certificate store")
	}

	retarget := buildWith(fixedConfig("/b", "127.0.0.1:9002", "reuse.example", pair), moved)
	if got := retarget.Service(svcID).Upstream; got == nil || got.Targets[0].Target != "127.0.0.1:9002" {
		t.Errorf("after a target change the service's upstream is %+v, want the new target", got)
	}
	if *builds != 1 {
		t.Errorf("a target change rebuilt plugin chains (%d builds in all)", *builds)
	}
	recert := buildWith(fixedConfig("/b", "127.0.0.1:9002", "other.example", pair), retarget)
	if recert.Certificates() == retarget.Certificates() {
		t.Error("a changed SNI kept the old certificate store")
	}
	for _, s := range []*snapshot.Snapshot{same, moved, retarget, recert} {
		s.Retire(nil)
	}
}

func TestChainsOfAnotherBuilderAreRebuilt(t *testing.T) {
	t.Parallel()
	builds := 0
	reg := plugin.Bundled(nil)
	var prev *snapshot.Snapshot
	var pair [2]string
	var last *plugin.Chains
	for range 2 {
		b := &countingBuilder{reg: reg, built: func(cs *plugin.Chains) { builds++; last = cs }}
		s, err := snapshot.Build(fixedConfig("/a", "127.0.0.1:9001", "", pair), prev, snapshot.Options{Plugins: b})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Retire(nil) })
		prev = s
	}
	if builds != 2 || match(prev, "/a").Chain != last.Route(match(prev, "/a").Route.ID) {
		t.Errorf("chains built %d times, serving %p; want 2 builds serving the second", builds, match(prev, "/a").Chain)
	}
}
