package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

// sqlTx adapts *sql.Tx to sqlstore.Tx.
type sqlTx struct{ tx *sql.Tx }

// rebind turns the core's $N placeholders into SQLite's ?N.
func rebind(q string) string { return strings.ReplaceAll(q, "$", "?") }

func (t sqlTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, rebind(q), args...)
	if err != nil {
		return 0, classify(ctx, err)
	}
	n, err := res.RowsAffected()
	return n, classify(ctx, err)
}

func (t sqlTx) Query(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := t.tx.QueryContext(ctx, rebind(q), args...)
	if err != nil {
		return classify(ctx, err)
	}
	defer rows.Close()
	return classify(ctx, sqlstore.EachRow(rows, row))
}

// classify turns SQLite errors into what sqlstore expects: constraint
// violations, and store.ErrUnavailable for a file that cannot be used
// (locked too long, I/O error, disk full, not a database).
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return uniqueViolation(se)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &sqlstore.Violation{Kind: sqlstore.ForeignKeyViolation, Err: err}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_PERM:
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// uniqueViolation parses "UNIQUE constraint failed: targets.upstream_id,
// targets.target" into the constraint name PostgreSQL would have given.
func uniqueViolation(se *sqlite.Error) error {
	v := &sqlstore.Violation{Kind: sqlstore.UniqueViolation, Err: se}
	const marker = "constraint failed: "
	msg := se.Error()
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return v
	}
	rest := msg[i+len(marker):]
	rest, _, _ = strings.Cut(rest, " (")
	var cols []string
	for _, tc := range strings.Split(rest, ", ") {
		table, c, ok := strings.Cut(tc, ".")
		if !ok {
			return v
		}
		v.Table = table
		cols = append(cols, c)
	}
	if len(cols) == 1 && cols[0] == "id" {
		v.Constraint = v.Table + "_pkey"
	} else {
		v.Constraint = v.Table + "_" + strings.Join(cols, "_") + "_key"
	}
	return v
}

// Batch runs stmts one by one: SQLite is in-process, there is no round trip
// to save.
func (t sqlTx) Batch(ctx context.Context, stmts []sqlstore.Stmt) (int, error) {
	for i, s := range stmts {
		if _, err := t.Exec(ctx, s.SQL, s.Args...); err != nil {
			return i, err
		}
	}
	return -1, nil
}
