package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Insert implements store.Store.
func (s *Store) Insert(ctx context.Context, e entity.Entity) error {
	t, err := tableFor(e)
	if err != nil {
		return err
	}
	if e.GetID() == "" {
		e.SetID(uuid.NewString())
	}
	e.SetTimestamps(s.now())
	err = s.write(ctx, func(tx Tx) error { return s.save(ctx, tx, t, e, false) })
	if err != nil {
		return fmt.Errorf("insert into %s: %w", t.kind, err)
	}
	return nil
}

// Upsert implements store.Store. A replaced entity keeps its created_at
// unless e carries one.
func (s *Store) Upsert(ctx context.Context, e entity.Entity) (bool, error) {
	t, err := tableFor(e)
	if err != nil {
		return false, err
	}
	if e.GetID() == "" {
		e.SetID(uuid.NewString())
	}
	var created bool
	err = s.write(ctx, func(tx Tx) error {
		prev, err := createdAt(ctx, tx, t, e.GetID())
		created = errors.Is(err, store.ErrNotFound)
		if err != nil && !created {
			return err
		}
		s.stamp(e, prev)
		return s.save(ctx, tx, t, e, !created)
	})
	if err != nil {
		return false, fmt.Errorf("upsert into %s: %w", t.kind, err)
	}
	return created, nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, e entity.Entity) error {
	t, err := tableFor(e)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx Tx) error {
		prev, err := createdAt(ctx, tx, t, e.GetID())
		if err != nil {
			return err
		}
		s.stamp(e, prev)
		return s.save(ctx, tx, t, e, true)
	})
	if err != nil {
		return fmt.Errorf("update %s %q: %w", t.kind, e.GetID(), err)
	}
	return nil
}

// Modify implements store.Modifier.
func (s *Store) Modify(ctx context.Context, kind entity.Kind, id string, fn func(entity.Entity, store.Getter) (entity.Entity, error)) (entity.Entity, error) {
	t, err := tableOf(kind)
	if err != nil {
		return nil, err
	}
	var next entity.Entity
	err = s.write(ctx, func(tx Tx) error {
		if !isUUID(id) {
			return store.ErrNotFound
		}
		cur, err := getTx(ctx, tx, t, id)
		if err != nil {
			return err
		}
		if next, err = fn(cur, txGetter{tx}); err != nil {
			return err
		}
		if next == nil || next.EntityKind() != kind || next.GetID() != id {
			return fmt.Errorf("the change must keep the kind and the id")
		}
		prev, err := createdAt(ctx, tx, t, id)
		if err != nil {
			return err
		}
		s.stamp(next, prev)
		return s.save(ctx, tx, t, next, true)
	})
	if err != nil {
		return nil, fmt.Errorf("modify %s %q: %w", kind, id, err)
	}
	return next, nil
}

// stamp sets updated_at to now and created_at, when e has none, to prev
// (the stored one) or now.
func (s *Store) stamp(e entity.Entity, prev int64) {
	m := metaOf(e)
	if m.CreatedAt == 0 {
		m.CreatedAt = prev
	}
	e.SetTimestamps(s.now())
}

func createdAt(ctx context.Context, tx Tx, t *table, id string) (int64, error) {
	var at int64
	err := queryRow(ctx, tx, "SELECT created_at FROM "+t.name()+" WHERE id = $1", []any{id}, &at)
	if errors.Is(err, errNoRows) || id == "" {
		return 0, store.ErrNotFound
	}
	return at, err
}

// save checks e's references, writes it and applies its shorthand: what
// Insert, Upsert and Update share.
func (s *Store) save(ctx context.Context, tx Tx, t *table, e entity.Entity, replace bool) error {
	if err := checkRefs(ctx, tx, t, e); err != nil {
		return err
	}
	if err := s.put(ctx, tx, t, e, replace); err != nil {
		return err
	}
	return s.syncShorthand(ctx, tx, e)
}

// put writes e's row and tags, inserting or (replace) updating by id. The
// caller has checked e's references.
func (s *Store) put(ctx context.Context, tx Tx, t *table, e entity.Entity, replace bool) error {
	stmts, err := rowStmts(t, e, replace)
	if err != nil {
		return err
	}
	n, err := tx.Exec(ctx, stmts[0].SQL, stmts[0].Args...)
	if err != nil {
		return writeError(t, e, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	for _, st := range stmts[1:] {
		if _, err := tx.Exec(ctx, st.SQL, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// rowStmts returns the statements writing e: its row first, then its tags.
func rowStmts(t *table, e entity.Entity, replace bool) ([]Stmt, error) {
	data, err := encode(e)
	if err != nil {
		return nil, err
	}
	args := []any{e.GetID(), metaOf(e).CreatedAt, data}
	names := []string{"id", "created_at", "data"}
	for _, c := range t.cols {
		args = append(args, nullable(c.value(e)))
		names = append(names, c.name)
	}
	var q string
	if replace {
		sets := make([]string, 0, len(names)-1)
		for i, n := range names[1:] {
			sets = append(sets, n+" = $"+strconv.Itoa(i+2))
		}
		q = "UPDATE " + t.name() + " SET " + strings.Join(sets, ", ") + " WHERE id = $1"
	} else {
		marks := make([]string, len(names))
		for i := range names {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
		q = "INSERT INTO " + t.name() + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	}
	stmts := []Stmt{{q, args}}
	if replace {
		stmts = append(stmts, Stmt{"DELETE FROM " + t.name() + "_tags WHERE entity_id = $1", []any{e.GetID()}})
	}
	for _, tag := range dedupe(e.GetTags()) {
		stmts = append(stmts, Stmt{"INSERT INTO " + t.name() + "_tags (entity_id, tag) VALUES ($1, $2)", []any{e.GetID(), tag}})
	}
	return stmts, nil
}

// checkRefs reports the first reference of e to an entity that does not
// exist. The database checks too; this gives the error its field.
func checkRefs(ctx context.Context, tx Tx, t *table, e entity.Entity) error {
	for _, r := range t.refs {
		id := t.colValue(e, r.col)
		if id == "" {
			continue
		}
		var one int
		err := queryRow(ctx, tx, "SELECT 1 FROM "+string(r.to)+" WHERE id = $1", []any{id}, &one)
		if errors.Is(err, errNoRows) {
			return &store.ForeignKeyError{Field: r.field, ID: id}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// encode renders e for the data column. A certificate's snis shorthand is
// left out: the sni rows are the truth and reads rebuild it.
func encode(e entity.Entity) (string, error) {
	if c, ok := e.(*entity.Certificate); ok && c.SNIs != nil {
		cp := *c
		cp.SNIs = nil
		e = &cp
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", e.EntityKind(), err)
	}
	return string(b), nil
}

func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, kind entity.Kind, idOrKey string) error {
	t, err := tableOf(kind)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx Tx) error {
		var id string
		if err := lookup(ctx, tx, t, idOrKey, "id", &id); err != nil {
			return err
		}
		for _, br := range referrers(kind) {
			if br.r.cascade {
				continue
			}
			var n int
			q := "SELECT COUNT(*) FROM " + br.t.name() + " WHERE " + br.r.col + " = $1"
			if err := queryRow(ctx, tx, q, []any{id}, &n); err != nil {
				return err
			}
			if n > 0 {
				return &store.ReferencedError{Kind: kind, By: br.t.kind, Count: n}
			}
		}
		if kind == entity.KindCACertificate {
			if err := caInUse(ctx, tx, id); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "DELETE FROM "+t.name()+" WHERE id = $1", id)
		return deleteError(kind, err)
	})
	if err != nil {
		return fmt.Errorf("delete %s %q: %w", kind, idOrKey, err)
	}
	return nil
}
