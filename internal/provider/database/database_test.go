package node

import (
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestStoreSourceFollowsWrites runs a traditional node on a real SQLite
// store: a write through the store reaches the proxy without a signal.
func TestStoreSourceFollowsWrites(t *testing.T) {
	t.Parallel()
	up := upstream(t, "from sqlite")
	st := sqlitetest.Open(t)
	n, _ := runNode(t, Options{Settings: settings(t), Source: &StoreSource{Store: st, Name: "sqlite"}})
	proxy := n.Listeners().Proxy[0].URL()
	if code, _ := get(t, proxy+"/"); code != 404 {
		t.Fatalf("empty store: proxy = %d, want 404", code)
	}

	insertOneRoute(t, st, up.URL)
	testutil.Eventually(t, "the route from sqlite", 10*time.Second, func() bool {
		code, body := get(t, proxy+"/")
		return code == 200 && body == "from sqlite"
	})
}

// insertOneRoute writes oneRoute's service and route to st one by one, as
// Admin API calls would.
func insertOneRoute(t *testing.T, st store.Store, url string) {
	t.Helper()
	cfg := oneRoute(url)
	for _, e := range []entity.Entity{cfg.Services[0], cfg.Routes[0]} {
		if err := st.Insert(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}
