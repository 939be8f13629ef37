// Package sqlitetest gives tests of other packages a real SQLite store on
// a fresh database file, the cheapest real store there is.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// Open opens a bootstrapped store on a new database file in t's temporary
// directory and closes it when t ends (after clean-ups registered later,
// such as a server using the store).
func Open(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gantry.db"), nil)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
