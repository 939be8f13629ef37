// Package sqlite is the embedded store, the default for a single node: one
// database file in WAL mode, read by a small pool of connections and written
// through exactly one, so writers queue in Go instead of failing with
// SQLITE_BUSY. Writes through a Store reach its Changes subscribers at
// once; writes by another process on the file within a second (polling).
// Only one node should serve from a file: use PostgreSQL for several.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed reset.sql
var resetSQL string

var dialect = sqlstore.Dialect{
	HasTable: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
	Reset:    resetSQL,
}

// Open opens (creating it if needed) the database file at path. A new,
// empty file is bootstrapped; an existing one must be up to date, otherwise
// the error says to run `gantry migrations up`.
func Open(ctx context.Context, path string, log *slog.Logger) (store.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "store.sqlite")
	m, err := Migrations(ctx, path)
	if err != nil {
		return nil, err
	}
	st, err := m.List(ctx)
	if err == nil && len(st.Executed) == 0 {
		var ran []sqlstore.Migration
		ran, err = m.Bootstrap(ctx)
		if len(ran) > 0 {
			log.Info("bootstrapped a new database", "path", path, "migrations", len(ran))
		}
	}
	if err == nil {
		err = m.Check(ctx)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	s := sqlstore.New(m.Driver(), log)
	s.Start(ctx)
	m.Driver().(*driver).watch(s.Publish)
	return s, nil
}

// Migrations returns the migration runner for the database file at path,
// creating the file (not the schema) if needed. Close it when done.
func Migrations(ctx context.Context, path string) (*sqlstore.Migrator, error) {
	d, err := openDriver(ctx, path)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		d.Close()
		return nil, err
	}
	m, err := sqlstore.NewMigrator(d, dialect, sub)
	if err != nil {
		d.Close()
		return nil, err
	}
	return m, nil
}

// driver is the sqlstore.Driver over two database/sql pools on one file.
type driver struct {
	writer *sql.DB // exactly one connection, BEGIN IMMEDIATE
	reader *sql.DB // read-only connections, each transaction one WAL snapshot

	stop context.CancelFunc // ends watch
	wg   sync.WaitGroup
}

func openDriver(ctx context.Context, path string) (*driver, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path: set sqlite_path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("%w: sqlite_path %s: create its directory: %v", store.ErrUnavailable, path, err)
		}
	}
	// The file holds private keys and credentials: create it owner-only
	// (SQLite gives its -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		f.Close()
	}
	const common = "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	writer, err := sql.Open("sqlite", path+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite_path %s: %w", path, classify(ctx, err))
	}
	reader, err := sql.Open("sqlite", path+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(4)
	return &driver{writer: writer, reader: reader}, nil
}

func (d *driver) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return inTx(ctx, d.reader, &sql.TxOptions{ReadOnly: true}, fn)
}

func (d *driver) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return inTx(ctx, d.writer, nil, fn)
}

func (d *driver) Wrote(context.Context, sqlstore.Tx, int64) error { return nil }

// SuspendChangeFeed implements sqlstore.FeedSuspender: it drops the change
// feed's triggers inside tx (SQLite's DDL is transactional) and the
// returned func creates them again. Each INSERT an import runs is prepared
// on its own, and a table's triggers are compiled into every statement
// prepared on it: without them an import runs about twice as fast.
func (d *driver) SuspendChangeFeed(ctx context.Context, tx sqlstore.Tx) (func() error, error) {
	var names, defs []string
	err := tx.Query(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_changes_%'", nil,
		func(scan func(...any) error) error {
			var name, def string
			if err := scan(&name, &def); err != nil {
				return err
			}
			names, defs = append(names, name), append(defs, def)
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := tx.Exec(ctx, `DROP TRIGGER "`+n+`"`); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, def := range defs {
			if _, err := tx.Exec(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (d *driver) Close() error {
	if d.stop != nil {
		d.stop()
		d.wg.Wait()
	}
	return errors.Join(d.reader.Close(), d.writer.Close())
}

func inTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(sqlstore.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return classify(ctx, err)
	}
	if err := fn(sqlTx{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return classify(ctx, tx.Commit())
}
