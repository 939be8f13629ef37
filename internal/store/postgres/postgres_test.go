package postgres

import (
	"context"
	"errors"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
	"os"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

// srv is the package's PostgreSQL server, started once by TestMain.
var srv *pgtest.Server

// template is a database with Gantry's schema that tests copy.
const template = "gantry_template"

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &srv, func(s *pgtest.Server) error {
		return s.CreateTemplate(context.Background(), template, func(db string) error {
			m, err := Migrations(configFor(s, db))
			if err != nil {
				return err
			}
			defer m.Close()
			_, err = m.Bootstrap(context.Background())
			return err
		})
	}))
}

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

// open opens a store with cfg, closed when t ends.
func open(t testing.TB, cfg Config) store.Store {
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
		New: func(t *testing.T) store.Store { return open(t, configFor(srv, srv.NewDatabaseFrom(t, template))) },
		NewPair: func(t *testing.T) (store.Store, store.Store) {
			cfg := configFor(srv, srv.NewDatabaseFrom(t, template))
			return open(t, cfg), open(t, cfg)
		},
		NewOutage: func(t *testing.T) (store.Store, store.Store, func(), func()) {
			// Its own server: stopping the shared one would break the others.
			own := pgtest.ForTest(t)
			cfg := bootstrapped(t, own)
			s, other := open(t, cfg), open(t, cfg)
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
			return s, other, stop, start
		},
	})
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	storetest.RunMigrations(t, storetest.MigrationHarness{
		New: func(t *testing.T) (*sqlstore.Migrator, func() (store.Store, error)) {
			cfg := configFor(srv, srv.NewDatabase(t))
			m, err := Migrations(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			return m, func() (store.Store, error) { return Open(t.Context(), cfg, nil) }
		},
	})
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	cfg := configFor(srv, "postgres")
	cfg.Port = 1 // nothing listens there
	_, err := Open(t.Context(), cfg, nil)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("open an unreachable database: %v, want ErrUnavailable", err)
	}
}
