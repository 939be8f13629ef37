package sqlitetest

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestOpenGivesAnEmptyWritableStore: each call is a new database, so a
// write in one store is not seen by another.
func TestOpenGivesAnEmptyWritableStore(t *testing.T) {
	t.Parallel()
	a, b := Open(t), Open(t)
	svc := &entity.Service{Name: "only-in-a", Host: "a.internal"}
	if err := a.Insert(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	cfgA, err := a.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cfgB, err := b.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgA.Services) != 1 || len(cfgB.Services) != 0 {
		t.Errorf("services: a has %d, b has %d; want 1 and 0", len(cfgA.Services), len(cfgB.Services))
	}
}
