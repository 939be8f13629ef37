package sqlstore

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// syncShorthand makes a certificate's snis shorthand true in the same
// transaction: with SNIs non-nil, the certificate ends up with exactly those
// sni entities (missing ones created, others deleted). A nil SNIs, or any
// other kind, changes nothing.
func (s *Store) syncShorthand(ctx context.Context, tx Tx, e entity.Entity) error {
	c, ok := e.(*entity.Certificate)
	if !ok || c.SNIs == nil {
		return nil
	}
	want := map[string]bool{}
	for _, n := range dedupe(c.SNIs) {
		want[n] = true
	}
	have := map[string]string{} // name → sni id
	err := tx.Query(ctx, "SELECT id, name FROM snis WHERE certificate_id = $1", []any{c.ID},
		func(scan func(...any) error) error {
			var id, name string
			if err := scan(&id, &name); err != nil {
				return err
			}
			have[name] = id
			return nil
		})
	if err != nil {
		return err
	}
	for name, id := range have {
		if !want[name] {
			if _, err := tx.Exec(ctx, "DELETE FROM snis WHERE id = $1", id); err != nil {
				return err
			}
		}
	}
	for _, name := range dedupe(c.SNIs) {
		if _, ok := have[name]; !ok {
			if err := s.addSNI(ctx, tx, c, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// addSNI creates the sni name for certificate c, refusing a name another
// certificate already serves.
func (s *Store) addSNI(ctx context.Context, tx Tx, c *entity.Certificate, name string) error {
	var other string
	err := queryRow(ctx, tx, "SELECT certificate_id FROM snis WHERE name = $1", []any{name}, &other)
	if err == nil {
		return &store.UniqueError{Kind: entity.KindSNI, Field: "name", Value: name}
	}
	if !errors.Is(err, errNoRows) {
		return err
	}
	sni := &entity.SNI{Name: name, Certificate: &entity.Ref{ID: c.ID}}
	sni.ID = uuid.NewString()
	sni.SetTimestamps(s.now())
	return s.put(ctx, tx, tables[entity.KindSNI], sni, false)
}
