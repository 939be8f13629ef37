// Package storetest is the conformance suite every store.Store passes: the
// sqlite store and the postgres store (on a real server) run the very same
// tests, so the Admin API can rely on identical behaviour from both.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Harness says how to make stores for the suite. New is required; the
// others enable the tests that need them.
type Harness struct {
	// New returns a store on a fresh, empty database, closed at test end.
	New func(t *testing.T) store.Store
	// NewPair returns two stores on one fresh database, as two nodes
	// sharing it would have.
	NewPair func(t *testing.T) (store.Store, store.Store)
	// NewOutage returns a store whose database stop takes down and start
	// brings back, and optionally (else nil) another node's store on the
	// same database, to check that change notifications resume.
	NewOutage func(t *testing.T) (s, other store.Store, stop, start func())
}

// Run runs the suite with stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	RunHarness(t, Harness{New: newStore})
}

// RunHarness runs the suite, including the multi-node and outage tests
// when h provides for them.
func RunHarness(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"CRUD", testCRUD},
		{"GetByKey", testGetByKey},
		{"NotFound", testNotFound},
		{"BadInput", testBadInput},
		{"Unique", testUnique},
		{"ForeignKey", testForeignKey},
		{"Cascade", testCascade},
		{"Referenced", testReferenced},
		{"Pagination", testPagination},
		{"Tags", testTags},
		{"ForeignKeyFilter", testForeignKeyFilter},
		{"Upsert", testUpsert},
		{"Modify", testModify},
		{"CertificateSNIs", testCertificateSNIs},
		{"ConcurrentSameName", testConcurrentSameName},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Revision", testRevision},
		{"Changes", testChanges},
		{"ChangeFeed", testChangeFeed},
		{"Close", testClose},
		{"ExportImport", testExportImport},
		{"ImportNotEmpty", testImportNotEmpty},
		{"ImportChecks", testImportChecks},
		{"ImportProgress", testImportProgress},
		{"CrossNode", testCrossNode},
		{"Outage", testOutage},
		{"DataPlanes", testDataPlanes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// ctx bounds every test so a hung database fails the test instead of the run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustInsert(t *testing.T, s store.Store, es ...entity.Entity) {
	t.Helper()
	for _, e := range es {
		if err := s.Insert(ctx(t), e); err != nil {
			t.Fatalf("insert %s: %v", e.EntityKind(), err)
		}
	}
}

func mustGet(t *testing.T, s store.Store, k entity.Kind, idOrKey string) entity.Entity {
	t.Helper()
	e, err := s.Get(ctx(t), k, idOrKey)
	if err != nil {
		t.Fatalf("get %s %q: %v", k, idOrKey, err)
	}
	return e
}

func wantNotFound(t *testing.T, s store.Store, k entity.Kind, idOrKey string) {
	t.Helper()
	if _, err := s.Get(ctx(t), k, idOrKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get %s %q: err = %v, want ErrNotFound", k, idOrKey, err)
	}
}

// jsonOf renders e for comparisons.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ids returns the ids of es, in order.
func ids(es []entity.Entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.GetID()
	}
	return out
}

// listAll follows Next until the last page.
func listAll(t *testing.T, s store.Store, k entity.Kind, opts store.ListOptions) []entity.Entity {
	t.Helper()
	var all []entity.Entity
	for range 1000 {
		p, err := s.List(ctx(t), k, opts)
		if err != nil {
			t.Fatalf("list %s: %v", k, err)
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		opts.Offset = p.Next
	}
	t.Fatalf("list %s: Next never ended", k)
	return nil
}

func storeTags(tags ...string) store.ListOptions { return store.ListOptions{Tags: tags} }
