package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// batchSize bounds the statements sent in one round trip by Import.
const batchSize = 1000

// Import implements store.Store. The database must be empty. Entities keep
// their ids and timestamps; missing ones are assigned. A certificate's snis
// shorthand creates the snis that cfg does not list as entities.
//
// The database started empty and kinds come in dependency order, so
// references are checked in memory against the ids imported before, and
// rows go to the database in batches.
func (s *Store) Import(ctx context.Context, cfg *entity.Config) error {
	return s.ImportProgress(ctx, cfg, nil)
}

// ImportProgress implements store.ProgressImporter: Import, reporting rows
// written after each batch.
func (s *Store) ImportProgress(ctx context.Context, cfg *entity.Config, progress func(done, total int)) error {
	ents, err := s.importOrder(cfg)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var stmts []Stmt
	var owner []int // index in ents of each statement's entity
	for i, e := range ents {
		ss, err := rowStmts(tables[e.EntityKind()], e, false)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		stmts = append(stmts, ss...)
		for range ss {
			owner = append(owner, i)
		}
	}
	err = s.write(ctx, func(tx Tx) (err error) {
		if err := mustBeEmpty(ctx, tx); err != nil {
			return err
		}
		var rev int64
		if err := queryRow(ctx, tx, "SELECT value FROM gantry_revision WHERE id = 1", nil, &rev); err != nil {
			return err
		}
		done, err := s.bulkWrite(ctx, tx, rev)
		if err != nil {
			return err
		}
		defer func() {
			if err == nil {
				err = done()
			}
		}()
		for from := 0; from < len(stmts); from += batchSize {
			to := min(from+batchSize, len(stmts))
			failed, err := tx.Batch(ctx, stmts[from:to])
			if err == nil {
				if progress != nil {
					progress(to, len(stmts))
				}
				continue
			}
			if failed < 0 {
				return err
			}
			e := ents[owner[from+failed]]
			return fmt.Errorf("%s %s: %w", e.EntityKind(), e.GetID(), writeError(tables[e.EntityKind()], e, err))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// importOrder lists cfg's entities in dependency order with ids and
// timestamps set, each certificate followed by the snis its shorthand adds,
// and checks every reference points at an entity listed before it.
func (s *Store) importOrder(cfg *entity.Config) ([]entity.Entity, error) {
	listed := map[string]bool{}
	for _, sni := range cfg.SNIs {
		listed[sni.Name] = true
	}
	now := s.now()
	var ents []entity.Entity
	cfg.Each(func(e entity.Entity) {
		ents = append(ents, e)
		if c, ok := e.(*entity.Certificate); ok {
			if c.ID == "" {
				c.ID = uuid.NewString()
			}
			for _, name := range dedupe(c.SNIs) {
				if !listed[name] {
					ents = append(ents, &entity.SNI{Name: name, Certificate: &entity.Ref{ID: c.ID}})
				}
			}
		}
	})
	seen := map[entity.Kind]map[string]bool{}
	for _, e := range ents {
		t, err := tableFor(e)
		if err != nil {
			return nil, err
		}
		if e.GetID() == "" {
			e.SetID(uuid.NewString())
		}
		m := metaOf(e)
		if m.CreatedAt == 0 {
			m.CreatedAt = now
		}
		if m.UpdatedAt == 0 {
			m.UpdatedAt = m.CreatedAt
		}
		for _, r := range t.refs {
			if id := t.colValue(e, r.col); id != "" && !seen[r.to][id] {
				return nil, fmt.Errorf("%s %s: %w", t.kind, e.GetID(), &store.ForeignKeyError{Field: r.field, ID: id})
			}
		}
		if seen[t.kind] == nil {
			seen[t.kind] = map[string]bool{}
		}
		seen[t.kind][e.GetID()] = true
	}
	return ents, nil
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
