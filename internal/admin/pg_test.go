package admin

import (
	"context"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/store/postgres"
)

// startPG starts a real PostgreSQL server for one test (most Admin API
// tests run on SQLite; those about transactions also run here).
func startPG(t testing.TB) *pgtest.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
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
