package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

// openAt opens a store on the database file at path, closed when t ends.
func openAt(t testing.TB, path string) store.Store {
	t.Helper()
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newStore opens a store on a new database file.
func newStore(t testing.TB) store.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "gantry.db"))
}

func TestConformance(t *testing.T) {
	storetest.RunHarness(t, storetest.Harness{
		New: func(t *testing.T) store.Store { return newStore(t) },
		NewPair: func(t *testing.T) (store.Store, store.Store) {
			path := filepath.Join(t.TempDir(), "gantry.db")
			return openAt(t, path), openAt(t, path)
		},
	})
}

func TestMigrations(t *testing.T) {
	storetest.RunMigrations(t, storetest.MigrationHarness{
		OpenBootstraps: true,
		New: func(t *testing.T) (*sqlstore.Migrator, func() (store.Store, error)) {
			path := filepath.Join(t.TempDir(), "gantry.db")
			m, err := Migrations(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			return m, func() (store.Store, error) { return Open(t.Context(), path, nil) }
		},
	})
}

func TestOpenUnusablePath(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(t.Context(), dir, nil) // a directory, not a database file
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("open a directory: %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %q does not name the path", err)
	}
}
