package sqlstore

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestTablesRefColumns: every foreign key names a reference field the
// entity has and a column that stores it, so a misspelt field cannot
// silently store NULL (and drop the database's referential checks).
func TestTablesRefColumns(t *testing.T) {
	for _, k := range entity.Kinds {
		t.Run(string(k), func(t *testing.T) {
			tb := tables[k]
			if tb == nil {
				t.Fatalf("no table for kind %s", k)
			}
			for _, r := range tb.refs {
				e := entity.New(k)
				ref := entity.RefField(e, r.field)
				if ref == nil {
					t.Errorf("ref %q: %s has no such reference field", r.field, k)
					continue
				}
				*ref = &entity.Ref{ID: "11111111-1111-1111-1111-111111111111"}
				if got := tb.colValue(e, r.col); got != "11111111-1111-1111-1111-111111111111" {
					t.Errorf("ref %q: column %q stores %q, want the referenced id", r.field, r.col, got)
				}
			}
		})
	}
}
