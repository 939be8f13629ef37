package database_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// TestProviderRetriesFailedExport makes the export that follows a write
// fail, as when the database drops between the change notice and the read:
// the provider retries by itself and the proxy serves the write, with no
// further change.
func TestProviderRetriesFailedExport(t *testing.T) {
	t.Parallel()
	up := upstream(t, "after retry")
	st := sqlitetest.Open(t)
	flaky := &failingExports{Store: st}
	proxy := serve(t, &database.Provider{Store: flaky, Describe: "sqlite", RetryDelay: 50 * time.Millisecond})

	flaky.failures.Store(3)
	insertOneRoute(t, st, up.URL)
	testutil.Eventually(t, "the route after the store's retries", 10*time.Second, func() bool {
		code, body := testutil.Get(t, proxy+"/")
		return code == 200 && body == "after retry"
	})
	if left := flaky.failures.Load(); left > 0 {
		t.Fatalf("%d planned export failures never happened: the test did not exercise a retry", left)
	}
}

// failingExports is a real store whose next Export calls fail like a
// database that went away, as many times as failures says. It hides the
// store's ExportRevision, so every export goes through Export.
type failingExports struct {
	store.Store
	failures atomic.Int64
}

func (f *failingExports) Export(ctx context.Context) (*entity.Config, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, fmt.Errorf("%w: connection reset by peer", store.ErrUnavailable)
	}
	f.failures.Store(0)
	return f.Store.Export(ctx)
}

// TestProviderSeesWritesBeforeRun writes between the start
// configuration (Initial) and the start of Run (a node starting while
// another node, or an early Admin API call, writes): Run asks for a reload
// at once, instead of serving the stale configuration until some later
// write.
func TestProviderSeesWritesBeforeRun(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	for _, tc := range []struct {
		name  string
		write bool
	}{{"write in between", true}, {"no write", false}} {
		t.Run(tc.name, func(t *testing.T) {
			pipe, snaps := pipelinetest.Pipeline()
			defer snaps.Close()
			src := &database.Provider{Store: st, Describe: "sqlite"}
			if err := src.Initial(t.Context(), pipe); err != nil {
				t.Fatal(err)
			}
			if tc.write {
				if err := st.Insert(t.Context(), fixture.ServiceURL("http://127.0.0.1:9")); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			var calls atomic.Int64
			src.Run(ctx, countingSink{Sink: pipe, reloads: &calls})
			if got := calls.Load() > 0; got != tc.write {
				t.Fatalf("reload requested = %v, want %v", got, tc.write)
			}
		})
	}
}

// countingSink counts the reloads a provider asks of its sink.
type countingSink struct {
	pipeline.Sink
	reloads *atomic.Int64
}

func (c countingSink) Reload(ctx context.Context, load func(context.Context) (pipeline.Update, error)) error {
	c.reloads.Add(1)
	return c.Sink.Reload(ctx, load)
}
