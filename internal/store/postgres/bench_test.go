package postgres

import (
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

// benchStore opens a store on a fresh database, closed when b ends.
func benchStore(b *testing.B) store.Store {
	s, err := Open(b.Context(), configFor(srv, srv.NewDatabaseFrom(b, template)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkStore runs the store benchmarks every backend shares.
func BenchmarkStore(b *testing.B) { storetest.Bench(b, benchStore) }
