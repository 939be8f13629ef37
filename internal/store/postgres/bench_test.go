package postgres

import (
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

// BenchmarkStore runs the store benchmarks every backend shares.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b testing.TB) store.Store {
		return open(b, configFor(srv, srv.NewDatabaseFrom(b, template)))
	})
}
