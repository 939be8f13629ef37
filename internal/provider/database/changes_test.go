package database_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// recorder is a pipeline applier keeping the last update.
type recorder struct {
	mu   sync.Mutex
	last pipeline.Update
}

func (r *recorder) apply(_ context.Context, u pipeline.Update) error {
	r.mu.Lock()
	r.last = u
	r.mu.Unlock()
	return nil
}

func (r *recorder) get() pipeline.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// routesStore returns a SQLite store holding n services with one route each.
func routesStore(t testing.TB, n int) store.Store {
	t.Helper()
	st := sqlitetest.Open(t)
	cfg := &entity.Config{}
	for i := range n {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		r := entity.NewRoute()
		r.ID, r.Name, r.Paths, r.Service = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), fmt.Sprintf("r%d", i), []string{fmt.Sprintf("/r%d", i)}, &entity.Ref{ID: s.ID}
		cfg.Services, cfg.Routes = append(cfg.Services, s), append(cfg.Routes, r)
	}
	if err := st.Import(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestProviderPatchesFromTheChangeFeed: after the first export, a write
// reaches the pipeline as the last configuration patched with what the
// write changed: the same configuration and hash as a whole export, the
// entities the write did not touch being the very same objects.
func TestProviderPatchesFromTheChangeFeed(t *testing.T) {
	t.Parallel()
	st := routesStore(t, 50)
	rec := &recorder{}
	pipe := pipeline.New(pipeline.ApplyFunc(rec.apply), nil)
	prov := &database.Provider{Store: st, Stored: true, KeepEncodings: true}
	if err := prov.Initial(t.Context(), pipe); err != nil {
		t.Fatal(err)
	}
	first := rec.get()
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() { _ = prov.Run(ctx, pipe) })
	t.Cleanup(func() { cancel(); running.Wait() })

	r := *first.Config.Config().Routes[7]
	r.Paths = []string{"/changed"}
	if err := st.Update(t.Context(), &r); err != nil {
		t.Fatal(err)
	}
	svc := entity.NewService()
	svc.Name, svc.Host = "added", "127.0.0.1"
	if err := st.Insert(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(t.Context(), entity.KindRoute, first.Config.Config().Routes[3].ID); err != nil {
		t.Fatal(err)
	}
	rev, err := st.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the writes loaded", 5*time.Second, func() bool { return rec.get().Version == rev })
	got := rec.get()
	full, err := st.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Hash() != full.Hash() {
		t.Fatalf("loaded hash %s, a whole export's %s", got.Config.Hash(), full.Hash())
	}
	cfg, before := got.Config.Config(), first.Config.Config()
	if len(cfg.Routes) != 49 || len(cfg.Services) != 51 {
		t.Fatalf("%d routes and %d services, want 49 and 51", len(cfg.Routes), len(cfg.Services))
	}
	if cfg.Routes[6].ID != r.ID || cfg.Routes[6] == before.Routes[7] || cfg.Routes[6].Paths[0] != "/changed" {
		t.Fatalf("the updated route is not the one read again: %+v", cfg.Routes[6])
	}
	shared := 0
	for _, e := range cfg.Routes {
		for _, old := range before.Routes {
			if e == old {
				shared++
			}
		}
	}
	if shared != 48 {
		t.Fatalf("%d routes shared with the first load, want 48 (all but the updated one)", shared)
	}
	if cfg.Services[0] != before.Services[0] {
		t.Fatal("an untouched service is a new object")
	}
}
