package sqlstore

import (
	"context"
	"errors"
	"fmt"

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

// Import implements store.Store. The database must be empty. Entities keep
// their ids and timestamps; missing ones are assigned. A certificate's snis
// shorthand creates the snis that cfg does not list as entities.
func (s *Store) Import(ctx context.Context, cfg *entity.Config) error {
	listed := map[string]bool{}
	for _, sni := range cfg.SNIs {
		listed[sni.Name] = true
	}
	err := s.write(ctx, func(tx Tx) error {
		if err := mustBeEmpty(ctx, tx); err != nil {
			return err
		}
		seen := map[entity.Kind]map[string]bool{}
		var err error
		cfg.Each(func(e entity.Entity) {
			if err != nil {
				return
			}
			err = s.importOne(ctx, tx, e, listed, seen)
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// importOne inserts e. The database started empty and kinds come in
// dependency order, so e's references are checked against seen, the ids
// imported so far, without asking the database.
func (s *Store) importOne(ctx context.Context, tx Tx, e entity.Entity, listed map[string]bool, seen map[entity.Kind]map[string]bool) error {
	if e.GetID() == "" {
		e.SetID(uuid.NewString())
	}
	m := metaOf(e)
	if m.CreatedAt == 0 {
		m.CreatedAt = s.now()
	}
	if m.UpdatedAt == 0 {
		m.UpdatedAt = m.CreatedAt
	}
	t := tables[e.EntityKind()]
	for _, r := range t.refs {
		if id := t.colValue(e, r.col); id != "" && !seen[r.to][id] {
			return fmt.Errorf("%s %s: %w", t.kind, e.GetID(), &store.ForeignKeyError{Field: r.field, ID: id})
		}
	}
	if err := s.put(ctx, tx, t, e, false); err != nil {
		return fmt.Errorf("%s %s: %w", t.kind, e.GetID(), err)
	}
	if seen[t.kind] == nil {
		seen[t.kind] = map[string]bool{}
	}
	seen[t.kind][e.GetID()] = true
	c, ok := e.(*entity.Certificate)
	if !ok {
		return nil
	}
	for _, name := range dedupe(c.SNIs) {
		if !listed[name] {
			if err := s.addSNI(ctx, tx, c, name); err != nil {
				return fmt.Errorf("certificate %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// mustBeEmpty refuses to import over existing entities.
func mustBeEmpty(ctx context.Context, tx Tx) error {
	for _, k := range entity.Kinds {
		var one int
		err := queryRow(ctx, tx, "SELECT 1 FROM "+string(k)+" LIMIT 1", nil, &one)
		if err == nil {
			return fmt.Errorf("the database already holds %s: import loads only into an empty database (run `gantry migrations reset` then `gantry migrations bootstrap` first)", k)
		}
		if !errors.Is(err, errNoRows) {
			return err
		}
	}
	return nil
}
