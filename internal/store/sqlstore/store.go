package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Store implements store.Store on top of a Driver.
type Store struct {
	drv       Driver
	log       *slog.Logger
	bc        *broadcaster
	now       func() int64
	closeOnce sync.Once
	closeErr  error
}

var (
	_ store.Store            = (*Store)(nil)
	_ store.RevisionExporter = (*Store)(nil)
	_ store.ProgressImporter = (*Store)(nil)
	_ store.Modifier         = (*Store)(nil)
)

// New returns a Store using drv. log may be nil.
func New(drv Driver, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Store{
		drv: &closable{Driver: drv},
		log: log,
		bc:  newBroadcaster(),
		now: func() int64 { return time.Now().Unix() },
	}
}

// Publish tells Changes subscribers about rev. Backends call it when they
// learn of a write made elsewhere (PostgreSQL LISTEN); writes through this
// Store publish by themselves. Older or repeated revisions are ignored.
func (s *Store) Publish(rev int64) { s.bc.publish(rev) }

// Start records the database's current revision as already known, so that
// Changes subscribers only hear of later ones. Backends call it once opened.
func (s *Store) Start(ctx context.Context) {
	if rev, err := s.Revision(ctx); err == nil {
		s.bc.publish(rev)
	}
}

// Changes implements store.Store.
func (s *Store) Changes(ctx context.Context) <-chan int64 { return s.bc.subscribe(ctx) }

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.drv.Read(ctx, func(tx Tx) error {
		return queryRow(ctx, tx, "SELECT value FROM gantry_revision WHERE id = 1", nil, &rev)
	})
	if err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return rev, nil
}

// Close ends Changes subscriptions and closes the driver. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.bc.close()
		s.closeErr = s.drv.Close()
	})
	return s.closeErr
}

// write runs fn in a write transaction that first bumps the revision (which
// serializes writers, see the package comment) and publishes the new
// revision once committed.
func (s *Store) write(ctx context.Context, fn func(Tx) error) error {
	var rev int64
	err := s.drv.Write(ctx, func(tx Tx) error {
		err := queryRow(ctx, tx, "UPDATE gantry_revision SET value = value + 1 WHERE id = 1 RETURNING value", nil, &rev)
		if err != nil {
			return fmt.Errorf("bump revision: %w", err)
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := pruneChanges(ctx, tx, rev); err != nil {
			return err
		}
		return s.drv.Wrote(ctx, tx, rev)
	})
	if err != nil {
		return err
	}
	s.bc.publish(rev)
	return nil
}

// tableFor returns the table of e, refusing a nil entity.
func tableFor(e entity.Entity) (*table, error) {
	if e == nil {
		return nil, errors.New("no entity given")
	}
	if v := reflect.ValueOf(e); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("no %s given", e.EntityKind())
	}
	return tableOf(e.EntityKind())
}

func tableOf(k entity.Kind) (*table, error) {
	t, ok := tables[k]
	if !ok {
		return nil, fmt.Errorf("unknown entity kind %q", k)
	}
	return t, nil
}

// metaOf returns the Meta every entity type embeds, to read and keep
// created_at, which the Entity interface does not expose.
func metaOf(e entity.Entity) *entity.Meta {
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return &entity.Meta{}
	}
	f := v.Elem().FieldByName("Meta")
	if !f.IsValid() || !f.CanAddr() {
		return &entity.Meta{}
	}
	m, _ := f.Addr().Interface().(*entity.Meta)
	if m == nil {
		return &entity.Meta{}
	}
	return m
}
