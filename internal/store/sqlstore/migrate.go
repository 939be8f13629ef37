package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one versioned, embedded SQL file "NNNN_name.sql".
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// MigrationStatus is what `gantry migrations list` shows.
type MigrationStatus struct {
	Executed []Migration // in version order; SQL is empty for versions this binary does not know
	Pending  []Migration
}

// Errors of the migration runner, for callers that react to them (the CLI
// prints "Database already bootstrapped" and exits 0, for example).
var (
	ErrNotBootstrapped     = errors.New("database schema is missing")
	ErrAlreadyBootstrapped = errors.New("database already bootstrapped")
	ErrPending             = errors.New("database schema is outdated")
	ErrNewerSchema         = errors.New("database schema is newer than this gantry")
)

// Dialect is the SQL a backend needs for migrations.
type Dialect struct {
	// Lock runs first in every migration transaction ("" for none); on
	// PostgreSQL it takes an advisory lock so two nodes never migrate at once.
	Lock string
	// HasTable returns a row when the table named $1 exists.
	HasTable string
	// Reset drops every table of Gantry's, gantry_schema_migrations included.
	Reset string
}

// Migrator runs a backend's migrations over its Driver.
type Migrator struct {
	drv        Driver
	dialect    Dialect
	migrations []Migration
}

// NewMigrator returns a Migrator for the NNNN_name.sql files of fsys's root.
func NewMigrator(drv Driver, d Dialect, fsys fs.FS) (*Migrator, error) {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	m := &Migrator{drv: drv, dialect: d}
	for _, f := range files {
		num, name, ok := strings.Cut(strings.TrimSuffix(path.Base(f), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", f)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m.migrations = append(m.migrations, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(m.migrations, func(a, b Migration) int { return a.Version - b.Version })
	return m, nil
}

// Close closes the driver the Migrator was made with.
func (m *Migrator) Close() error { return m.drv.Close() }

// List reports executed and pending migrations.
func (m *Migrator) List(ctx context.Context) (MigrationStatus, error) {
	var st MigrationStatus
	err := m.drv.Read(ctx, func(tx Tx) error {
		var err error
		st, err = m.status(ctx, tx)
		return err
	})
	return st, err
}

// Check returns nil when the schema is exactly up to date, else an error
// (wrapping ErrNotBootstrapped, ErrPending or ErrNewerSchema) that tells the
// user which command to run.
func (m *Migrator) Check(ctx context.Context) error {
	st, err := m.List(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(st.Executed) == 0:
		return fmt.Errorf("%w: run `gantry migrations bootstrap` first", ErrNotBootstrapped)
	case len(st.Pending) > 0:
		return fmt.Errorf("%w (%d pending migrations, first %d_%s): run `gantry migrations up`",
			ErrPending, len(st.Pending), st.Pending[0].Version, st.Pending[0].Name)
	}
	last := st.Executed[len(st.Executed)-1]
	if last.SQL == "" {
		return fmt.Errorf("%w (version %d): upgrade gantry on this node", ErrNewerSchema, last.Version)
	}
	return nil
}

// Bootstrap creates the schema of an empty database and returns the
// migrations it ran; ErrAlreadyBootstrapped when one was already created.
func (m *Migrator) Bootstrap(ctx context.Context) ([]Migration, error) {
	return m.run(ctx, true)
}

// Up runs the pending migrations of a bootstrapped database and returns them.
func (m *Migrator) Up(ctx context.Context) ([]Migration, error) {
	return m.run(ctx, false)
}

func (m *Migrator) run(ctx context.Context, bootstrap bool) ([]Migration, error) {
	var ran []Migration
	err := m.drv.Write(ctx, func(tx Tx) error {
		ran = nil
		if m.dialect.Lock != "" {
			if _, err := tx.Exec(ctx, m.dialect.Lock); err != nil {
				return err
			}
		}
		st, err := m.status(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case bootstrap && len(st.Executed) > 0:
			return ErrAlreadyBootstrapped
		case !bootstrap && len(st.Executed) == 0:
			return fmt.Errorf("%w: run `gantry migrations bootstrap` first", ErrNotBootstrapped)
		}
		const create = `CREATE TABLE IF NOT EXISTS gantry_schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, executed_at BIGINT NOT NULL)`
		if _, err := tx.Exec(ctx, create); err != nil {
			return err
		}
		for _, mg := range st.Pending {
			if _, err := tx.Exec(ctx, mg.SQL); err != nil {
				return fmt.Errorf("migration %d_%s: %w", mg.Version, mg.Name, err)
			}
			_, err := tx.Exec(ctx, "INSERT INTO gantry_schema_migrations (version, name, executed_at) VALUES ($1, $2, $3)",
				mg.Version, mg.Name, time.Now().Unix())
			if err != nil {
				return err
			}
			ran = append(ran, mg)
		}
		return nil
	})
	return ran, err
}

// Reset drops every table Gantry created: all configuration is lost.
func (m *Migrator) Reset(ctx context.Context) error {
	return m.drv.Write(ctx, func(tx Tx) error {
		if m.dialect.Lock != "" {
			if _, err := tx.Exec(ctx, m.dialect.Lock); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, m.dialect.Reset)
		return err
	})
}

func (m *Migrator) status(ctx context.Context, tx Tx) (MigrationStatus, error) {
	var st MigrationStatus
	var one int
	err := queryRow(ctx, tx, m.dialect.HasTable, []any{"gantry_schema_migrations"}, &one)
	if err != nil && !errors.Is(err, errNoRows) {
		return st, err
	}
	done := map[int]bool{}
	if err == nil {
		err = tx.Query(ctx, "SELECT version, name FROM gantry_schema_migrations ORDER BY version", nil,
			func(scan func(...any) error) error {
				var mg Migration
				if err := scan(&mg.Version, &mg.Name); err != nil {
					return err
				}
				for _, known := range m.migrations {
					if known.Version == mg.Version {
						mg.SQL = known.SQL
					}
				}
				done[mg.Version] = true
				st.Executed = append(st.Executed, mg)
				return nil
			})
		if err != nil {
			return st, err
		}
	}
	for _, mg := range m.migrations {
		if !done[mg.Version] {
			st.Pending = append(st.Pending, mg)
		}
	}
	return st, nil
}

// Driver returns the driver the Migrator runs on, for a backend that opens
// its Store on the same connections once the schema is checked.
func (m *Migrator) Driver() Driver { return m.drv }

// With returns a Migrator on the same driver that also knows extra, as a
// newer gantry would; tests use it to simulate an upgrade.
func (m *Migrator) With(extra ...Migration) *Migrator {
	n := &Migrator{drv: m.drv, dialect: m.dialect, migrations: append(slices.Clone(m.migrations), extra...)}
	slices.SortFunc(n.migrations, func(a, b Migration) int { return a.Version - b.Version })
	return n
}

// Upto returns a Migrator on the same driver that knows only the
// migrations up to version, as an older gantry would; tests use it to make
// a database at an older schema.
func (m *Migrator) Upto(version int) *Migrator {
	n := &Migrator{drv: m.drv, dialect: m.dialect}
	for _, mg := range m.migrations {
		if mg.Version <= version {
			n.migrations = append(n.migrations, mg)
		}
	}
	return n
}
