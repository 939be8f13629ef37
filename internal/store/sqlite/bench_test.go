package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/storetest"
)

func benchStore(b *testing.B) store.Store {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "gantry.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkInsert(b *testing.B) { storetest.BenchmarkInsert(b, benchStore(b)) }
func BenchmarkGet(b *testing.B)    { storetest.BenchmarkGet(b, benchStore(b)) }
func BenchmarkList(b *testing.B)   { storetest.BenchmarkList(b, benchStore(b)) }
func BenchmarkImport(b *testing.B) {
	storetest.BenchmarkImport(b, func() store.Store { return benchStore(b) })
}
