// Package backend opens the store a node's settings ask for, so the server
// and the CLI (`gantry migrations ...`, `gantry config db_import`) share one
// switch over the `database` setting.
package backend

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/postgres"
	"github.com/gantryhq/gantry/internal/store/sqlite"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

// Config is the storage part of the node's settings.
type Config struct {
	// Database is the `database` setting: "sqlite" or "postgres" ("off"
	// has no store).
	Database string
	// SQLitePath is `sqlite_path`.
	SQLitePath string
	// Postgres holds the pg_* settings.
	Postgres postgres.Config
}

// Open returns the store of cfg. SQLite bootstraps a new file; PostgreSQL
// refuses a missing or outdated schema with the command to run.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (store.Store, error) {
	switch cfg.Database {
	case "sqlite":
		return sqlite.Open(ctx, cfg.SQLitePath, log)
	case "postgres":
		return postgres.Open(ctx, cfg.Postgres, log)
	}
	return nil, unknown(cfg.Database)
}

// Migrations returns the migration runner of cfg's database for `gantry
// migrations bootstrap|up|list|reset`. Close it when done.
func Migrations(ctx context.Context, cfg Config) (*sqlstore.Migrator, error) {
	switch cfg.Database {
	case "sqlite":
		return sqlite.Migrations(ctx, cfg.SQLitePath)
	case "postgres":
		return postgres.Migrations(cfg.Postgres)
	}
	return nil, unknown(cfg.Database)
}

func unknown(db string) error {
	if db == "off" {
		return fmt.Errorf("database = off: this node keeps no database (set database = sqlite or postgres)")
	}
	return fmt.Errorf("database = %q: want sqlite or postgres", db)
}
