package sqlstore

import (
	"errors"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// writeError turns a constraint violation raised while writing e into the
// store's typed errors, naming the field and value as Kong does.
func writeError(t *table, e entity.Entity, err error) error {
	var v *Violation
	if !errors.As(err, &v) || (v.Table != "" && v.Table != t.name()) {
		return err
	}
	switch v.Kind {
	case UniqueViolation:
		if v.Constraint == t.name()+"_pkey" {
			return &store.UniqueError{Kind: t.kind, Field: "id", Value: e.GetID()}
		}
		for _, u := range t.uniques {
			if t.constraintName(u.cols) == v.Constraint {
				return &store.UniqueError{Kind: t.kind, Field: u.field, Value: t.colValue(e, u.valueCol)}
			}
		}
	case ForeignKeyViolation:
		for _, r := range t.refs {
			id := t.colValue(e, r.col)
			if id != "" && (v.Constraint == "" || v.Constraint == t.name()+"_"+r.col+"_fkey") {
				return &store.ForeignKeyError{Field: r.field, ID: id}
			}
		}
	}
	return err
}

// deleteError turns a foreign key violation raised while deleting an entity
// of kind into a ReferencedError (a backstop: Delete checks first).
func deleteError(kind entity.Kind, err error) error {
	var v *Violation
	if !errors.As(err, &v) || v.Kind != ForeignKeyViolation {
		return err
	}
	by := entity.Kind(v.Table)
	if _, ok := tables[by]; !ok {
		by = kind
	}
	return &store.ReferencedError{Kind: kind, By: by, Count: 1}
}
