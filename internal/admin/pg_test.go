package admin

import (
	"context"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/store/postgres"
)

// onBothStores runs test as parallel subtests on an Admin API over SQLite
// and over a real PostgreSQL server started for t (most Admin API tests
// run on SQLite only; those about transactions run on both).
func onBothStores(t *testing.T, test func(t *testing.T, a *testAPI)) {
	t.Helper()
	pg := pgtest.ForTest(t)
	for _, db := range []struct {
		name string
		opt  func(*Options)
	}{{"sqlite", nil}, {"postgres", onPostgres(t, pg)}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			test(t, newTestAPI(t, db.opt))
		})
	}
}

// onPostgres is a newTestAPI option serving from a new, bootstrapped
// database on srv.
func onPostgres(t testing.TB, srv *pgtest.Server) func(*Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := postgres.Config{Host: srv.Host, Port: srv.Port, User: srv.User, Database: srv.NewDatabase(t)}
	m, err := postgres.Migrations(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Bootstrap(ctx)
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return func(o *Options) { o.Store = st }
}
