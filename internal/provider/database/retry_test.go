package node

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestStoreSourceRetriesFailedExport makes the export that follows a write
// fail, as when the database drops between the change notice and the read:
// the node retries by itself and serves the write, with no further change.
func TestStoreSourceRetriesFailedExport(t *testing.T) {
	t.Parallel()
	up := upstream(t, "after retry")
	st := sqlitetest.Open(t)
	flaky := &failingExports{Store: st}
	n, _ := runNode(t, Options{Settings: settings(t), Source: &StoreSource{Store: flaky, Name: "sqlite", RetryDelay: 50 * time.Millisecond}})
	proxy := n.Listeners().Proxy[0].URL()

	flaky.failures.Store(3)
	insertOneRoute(t, st, up.URL)
	testutil.Eventually(t, "the route after the store's retries", 10*time.Second, func() bool {
		code, body := get(t, proxy+"/")
		return code == 200 && body == "after retry"
	})
	if left := flaky.failures.Load(); left > 0 {
		t.Fatalf("%d planned export failures never happened: the test did not exercise a retry", left)
	}
}

// failingExports is a real store whose next Export calls fail like a
// database that went away, as many times as failures says.
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

// TestStoreSourceSeesWritesBeforeWatch writes between the first Load and
// the start of Watch (a node starting while another node, or an early
// Admin API call, writes): Watch asks for a reload at once, instead of
// serving the stale configuration until some later write.
func TestStoreSourceSeesWritesBeforeWatch(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	for _, tc := range []struct {
		name  string
		write bool
	}{{"write in between", true}, {"no write", false}} {
		t.Run(tc.name, func(t *testing.T) {
			src := &StoreSource{Store: st, Name: "sqlite"}
			if _, err := src.Load(t.Context()); err != nil {
				t.Fatal(err)
			}
			if tc.write {
				if err := st.Insert(t.Context(), oneRoute("http://127.0.0.1:9").Services[0]); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			var calls atomic.Int64
			src.Watch(ctx, func() { calls.Add(1) })
			if got := calls.Load() > 0; got != tc.write {
				t.Fatalf("reload requested = %v, want %v", got, tc.write)
			}
		})
	}
}
