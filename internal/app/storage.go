package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/backend"
	"github.com/gantryhq/gantry/internal/store/postgres"
)

// OpenStore opens the database of the settings; a new SQLite file (and its
// directory) is created and bootstrapped, an outdated schema is refused with
// the migrations command to run.
func OpenStore(ctx context.Context, s *settings.Settings, log *slog.Logger) (store.Store, string, error) {
	name := fmt.Sprintf("postgres %s:%d/%s", s.Postgres.Host, s.Postgres.Port, s.Postgres.Database)
	if s.Database == settings.DatabaseSQLite {
		name = "sqlite " + s.SQLitePath
	}
	if err := EnsureSQLiteDir(s); err != nil {
		return nil, "", err
	}
	st, err := backend.Open(ctx, StoreConfig(s), log)
	return st, name, err
}

// EnsureSQLiteDir creates the directory of sqlite_path (the prefix, by default).
func EnsureSQLiteDir(s *settings.Settings) error {
	if s.Database != settings.DatabaseSQLite {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.SQLitePath), 0o755); err != nil {
		return fmt.Errorf("sqlite_path %s: %w", s.SQLitePath, err)
	}
	return nil
}

// StoreConfig is the storage part of the settings, for backend.Open and
// backend.Migrations (the migrations and db_import commands use it too).
func StoreConfig(s *settings.Settings) backend.Config {
	pg := s.Postgres
	return backend.Config{
		Database:   s.Database,
		SQLitePath: s.SQLitePath,
		Postgres: postgres.Config{Host: pg.Host, Port: pg.Port, User: pg.User, Password: pg.Password,
			Database: pg.Database, SSL: pg.SSL, SSLVerify: pg.SSLVerify, Timeout: pg.Timeout},
	}
}

// databaseReady is a database-backed node's readiness: the database
// answers. An empty database is a valid configuration there, as in Kong.
func databaseReady(st store.Store) func() error {
	return func() error {
		if err := ping(st); err != nil {
			return fmt.Errorf("database unreachable: %w", err)
		}
		return nil
	}
}

// databaseStatus reports, on /status, whether the database answers, as
// Kong's "database": {"reachable": …}.
func databaseStatus(st store.Store) func() map[string]any {
	return func() map[string]any {
		return map[string]any{"database": map[string]bool{"reachable": ping(st) == nil}}
	}
}

// ping asks the database for its revision, waiting at most 2s: the
// cheapest read every backend has.
func ping(st store.Store) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := st.Revision(ctx)
	return err
}
