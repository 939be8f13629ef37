package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// The change feed (table gantry_changes, filled by triggers on every entity
// table, cascaded deletes included) keeps the writes of the last
// changesKept revisions. Every changesPrune-th write deletes older rows and
// leaves a '*' row at the cut: a reader behind it exports everything.
// They are variables for tests (SetChangesKept).
var (
	changesKept  int64 = 4096
	changesPrune int64 = 256
)

// SetChangesKept sets how many revisions the change feed keeps and how
// often it prunes, for tests; it returns a func restoring the defaults.
func SetChangesKept(kept, every int64) (restore func()) {
	k, e := changesKept, changesPrune
	changesKept, changesPrune = kept, every
	return func() { changesKept, changesPrune = k, e }
}

// pruneChanges runs inside the write transaction of revision rev.
func pruneChanges(ctx context.Context, tx Tx, rev int64) error {
	if rev%changesPrune != 0 || rev <= changesKept {
		return nil
	}
	cut := rev - changesKept
	if _, err := tx.Exec(ctx, "DELETE FROM gantry_changes WHERE rev < $1", cut); err != nil {
		return fmt.Errorf("prune the change feed: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO gantry_changes (rev, kind, id) VALUES ($1, '*', '')", cut); err != nil {
		return fmt.Errorf("prune the change feed: %w", err)
	}
	return nil
}

// FeedSuspender is implemented by a Driver that can take the change feed's
// triggers out for the rest of a write transaction more cheaply than the
// bulk flag they check (SQLite); the returned func puts them back.
type FeedSuspender interface {
	SuspendChangeFeed(ctx context.Context, tx Tx) (resume func() error, err error)
}

// bulkWrite makes the triggers record nothing for the rest of the write
// transaction of revision rev (an import), whose end must call the
// returned func: it turns them back on and leaves one '*' row, so a reader
// behind rev exports everything.
func (s *Store) bulkWrite(ctx context.Context, tx Tx, rev int64) (func() error, error) {
	resume := func() error { return nil }
	drv := s.drv
	if c, ok := drv.(*closable); ok {
		drv = c.Driver
	}
	if fs, ok := drv.(FeedSuspender); ok {
		r, err := fs.SuspendChangeFeed(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("change feed: %w", err)
		}
		resume = r
	}
	if _, err := tx.Exec(ctx, "UPDATE gantry_revision SET bulk = 1 WHERE id = 1"); err != nil {
		return nil, fmt.Errorf("change feed: %w", err)
	}
	return func() error {
		if err := resume(); err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE gantry_revision SET bulk = 0 WHERE id = 1"); err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO gantry_changes (rev, kind, id) VALUES ($1, '*', '')", rev); err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		return nil
	}, nil
}

// ChangesSince implements store.ChangeFeed.
func (s *Store) ChangesSince(ctx context.Context, since int64, limit int) (store.Changes, error) {
	var out store.Changes
	err := s.drv.Read(ctx, func(tx Tx) error {
		out = store.Changes{}
		if err := queryRow(ctx, tx, "SELECT value FROM gantry_revision WHERE id = 1", nil, &out.Revision); err != nil {
			return err
		}
		if out.Revision < since {
			return nil // another database, or one reset: not complete
		}
		ids := map[entity.Kind][]string{}
		n, all := 0, false
		err := tx.Query(ctx, "SELECT DISTINCT kind, id FROM gantry_changes WHERE rev > $1", []any{since}, func(scan func(...any) error) error {
			var kind, id string
			if err := scan(&kind, &id); err != nil {
				return err
			}
			if kind == "*" {
				all = true
			}
			ids[entity.Kind(kind)] = append(ids[entity.Kind(kind)], id)
			n++
			return nil
		})
		if err != nil || all || n > limit {
			return err
		}
		if len(ids[entity.KindSNI]) > 0 {
			// A certificate carries its snis' names: read them all again
			// (those deleted stay listed, as deleted).
			err := tx.Query(ctx, "SELECT id FROM certificates", nil, func(scan func(...any) error) error {
				var id string
				err := scan(&id)
				ids[entity.KindCertificate] = append(ids[entity.KindCertificate], id)
				return err
			})
			if err != nil {
				return err
			}
		}
		out.Entities = map[entity.Kind]map[string]entity.Entity{}
		for kind, list := range ids {
			if _, err := tableOf(kind); err != nil {
				return fmt.Errorf("change feed: %w", err)
			}
			got := make(map[string]entity.Entity, len(list))
			for _, id := range list {
				got[id] = nil // deleted unless read below
			}
			list = list[:0]
			for id := range got {
				list = append(list, id) // without duplicates
			}
			for from := 0; from < len(list); from += 500 {
				part := list[from:min(from+500, len(list))]
				marks := make([]string, len(part))
				args := make([]any, len(part))
				for i, id := range part {
					marks[i], args[i] = "$"+strconv.Itoa(i+1), id
				}
				q := "SELECT data FROM " + string(kind) + " WHERE id IN (" + strings.Join(marks, ", ") + ")"
				var read []entity.Entity
				if err := queryEntities(ctx, tx, kind, q, args, func(e entity.Entity) { read = append(read, e) }); err != nil {
					return err
				}
				for _, e := range read {
					if err := fillSNIs(ctx, tx, e); err != nil {
						return err
					}
					got[e.GetID()] = e
				}
			}
			out.Entities[kind] = got
		}
		out.Complete = true
		return nil
	})
	if err != nil {
		return store.Changes{}, fmt.Errorf("read the change feed: %w", err)
	}
	return out, nil
}

var _ store.ChangeFeed = (*Store)(nil)
