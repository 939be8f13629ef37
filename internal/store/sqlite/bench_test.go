package sqlite

import (
	"testing"

	"github.com/gantryhq/gantry/internal/store/storetest"
)

// BenchmarkStore runs the store benchmarks every backend shares.
func BenchmarkStore(b *testing.B) { storetest.Bench(b, newStore) }
