package server

import (
	"context"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// StoreSource serves the entities of a store: a traditional node's, or a
// control plane's own view. Every committed write (by this node or, on a
// shared PostgreSQL, another) triggers a reload of the whole export.
type StoreSource struct {
	Store store.Store
	// Name describes the database in logs ("sqlite /var/lib/gantry/gantry.db").
	Name string
}

// Describe implements ConfigSource.
func (s *StoreSource) Describe() string { return "database " + s.Name }

// Load exports the whole configuration.
func (s *StoreSource) Load(ctx context.Context) (*entity.Config, error) {
	return s.Store.Export(ctx)
}

// Watch implements Watcher over the store's change feed, which coalesces
// bursts of writes.
func (s *StoreSource) Watch(ctx context.Context, changed func()) error {
	for range s.Store.Changes(ctx) {
		changed()
	}
	return ctx.Err()
}
