package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// StoreSource serves the entities of a store: a traditional node's, or a
// control plane's own view. Every committed write (by this node or, on a
// shared PostgreSQL, another) triggers a reload of the whole export.
//
// Writes committed between the first Load and the start of Watch are not
// missed: Watch compares the store's revision with the one last loaded.
//
// A reload whose export fails (the database went away between the change
// notice and the read) is retried every RetryDelay until one succeeds: the
// change was already announced, so no new notice would come to fix it.
type StoreSource struct {
	Store store.Store
	// Name describes the database in logs ("sqlite /var/lib/gantry/gantry.db").
	Name string
	// RetryDelay is the wait before retrying a failed export; 0 means 1s.
	RetryDelay time.Duration

	once   sync.Once
	retry  chan struct{} // a failed Load asks Watch for another reload
	loaded atomic.Int64  // revision of the last successful Load, plus one; 0: unknown
}

// Describe implements ConfigSource.
func (s *StoreSource) Describe() string { return "database " + s.Name }

// Load exports the whole configuration.
func (s *StoreSource) Load(ctx context.Context) (*entity.Config, error) {
	var cfg *entity.Config
	var err error
	if re, ok := s.Store.(store.RevisionExporter); ok {
		var rev int64
		if cfg, rev, err = re.ExportRevision(ctx); err == nil {
			s.loaded.Store(rev + 1)
		}
	} else {
		cfg, err = s.Store.Export(ctx)
	}
	if err != nil {
		select {
		case s.retries() <- struct{}{}:
		default:
		}
	}
	return cfg, err
}

func (s *StoreSource) retries() chan struct{} {
	s.once.Do(func() { s.retry = make(chan struct{}, 1) })
	return s.retry
}

// Watch implements Watcher over the store's change feed, which coalesces
// bursts of writes, plus the retries of failed exports.
func (s *StoreSource) Watch(ctx context.Context, changed func()) error {
	delay := s.RetryDelay
	if delay <= 0 {
		delay = time.Second
	}
	changes := s.Store.Changes(ctx)
	// Subscribed: from now on no write is missed. One made since the last
	// Load (or any, when that revision is unknown) calls for a reload now.
	if rev, err := s.Store.Revision(ctx); err != nil || rev+1 != s.loaded.Load() {
		changed()
	}
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return ctx.Err()
			}
			changed()
		case <-s.retries():
			select {
			case <-time.After(delay):
				changed()
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}
