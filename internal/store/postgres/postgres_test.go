package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

// srv is the package's PostgreSQL server, started once by TestMain.
var srv *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &srv)) }

func configFor(s *pgtest.Server, db string) Config {
	return Config{Host: s.Host, Port: s.Port, User: s.User, Database: db}
}

// bootstrapped returns the config of a new database with Gantry's schema.
func bootstrapped(t *testing.T, s *pgtest.Server) Config {
	t.Helper()
	cfg := configFor(s, s.NewDatabase(t))
	m, err := Migrations(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Bootstrap(t.Context()); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return cfg
}

func open(t *testing.T, cfg Config) store.Store {
	t.Helper()
	s, err := Open(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunHarness(t, storetest.Harness{
		New: func(t *testing.T) store.Store { return open(t, bootstrapped(t, srv)) },
		NewPair: func(t *testing.T) (store.Store, store.Store) {
			cfg := bootstrapped(t, srv)
			return open(t, cfg), open(t, cfg)
		},
		NewOutage: func(t *testing.T) (store.Store, func(), func()) {
			// Its own server: stopping the shared one would break the others.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			own, err := pgtest.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { own.Close() })
			s := open(t, bootstrapped(t, own))
			stop := func() {
				if err := own.Stop(); err != nil {
					t.Fatal(err)
				}
			}
			start := func() {
				if err := own.Restart(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			return s, stop, start
		},
	})
}
