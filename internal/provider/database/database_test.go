package database_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/engine"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// TestProviderFollowsWrites runs the provider of a traditional node on
// a real SQLite store: a write through the store reaches the proxy without
// a signal.
func TestProviderFollowsWrites(t *testing.T) {
	t.Parallel()
	up := upstream(t, "from sqlite")
	st := sqlitetest.Open(t)
	proxy := serve(t, &database.Provider{Store: st, Describe: "sqlite"})
	if code, _ := testutil.Get(t, proxy+"/"); code != 404 {
		t.Fatalf("empty store: proxy = %d, want 404", code)
	}

	insertOneRoute(t, st, up.URL)
	testutil.Eventually(t, "the route from sqlite", 10*time.Second, func() bool {
		code, body := testutil.Get(t, proxy+"/")
		return code == 200 && body == "from sqlite"
	})
}

// serve runs prov as a node runs its providers, its start configuration
// first and then Run, into a pipeline applying to the real proxy engine,
// which serves on a loopback port. It returns the proxy's base URL; all of
// it stops at the end of the test.
func serve(t *testing.T, prov *database.Provider) string {
	t.Helper()
	s, err := settings.Load(settings.Options{DefaultConfFile: "/nonexistent/gantry.conf"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e, err := engine.New(s, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	pipe := pipeline.New(e, log)
	if err := prov.Initial(t.Context(), pipe); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Start(ctx, []node.Listener{{Listener: ln}}, func(error) {}); err != nil {
		t.Fatal(err)
	}
	var running sync.WaitGroup
	running.Go(func() {
		if err := prov.Run(ctx, pipe); err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		running.Wait()
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		e.Stop(stop)
	})
	return "http://" + ln.Addr().String()
}

// insertOneRoute writes a service of url and a route of every path to it
// to st one by one, as Admin API calls would.
func insertOneRoute(t *testing.T, st store.Store, url string) {
	t.Helper()
	svc := fixture.ServiceURL(url)
	for _, e := range []entity.Entity{svc, fixture.Route(svc, []string{"/"})} {
		if err := st.Insert(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// upstream is a real HTTP server on loopback answering its name.
func upstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
	t.Cleanup(srv.Close)
	return srv
}
