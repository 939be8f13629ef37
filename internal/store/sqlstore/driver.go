// Package sqlstore is the SQL core shared by the sqlite and postgres stores:
// the schema's shape (one table per kind), the queries, error mapping,
// revisions, change notification and the migration runner. A backend only
// supplies a Driver: transactions, placeholders and error classification.
//
// Writes are serialized: every write transaction first bumps the single
// revision row, which takes that row's lock on PostgreSQL (and SQLite has one
// writer anyway). Checks made inside a write transaction (does the referenced
// service exist, do routes still use it) therefore cannot race another
// writer, and the database's own constraints stay as a backstop.
package sqlstore

import (
	"context"
	"errors"
)

// Tx is one open transaction. Queries use $1-style placeholders; a backend
// whose database wants another style rewrites them.
type Tx interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query and calls row for each result row with a scan
	// function bound to that row. Returning an error from row stops early.
	Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error
	// Batch runs stmts in order in as few round trips as the database
	// allows. On failure it returns the index of the failing statement.
	Batch(ctx context.Context, stmts []Stmt) (failed int, err error)
}

// Stmt is one statement of a batch.
type Stmt struct {
	SQL  string
	Args []any
}

// Driver is what a backend provides. Errors it returns are already
// classified: a *Violation for constraint failures, an error wrapping
// store.ErrUnavailable when the database cannot be reached, the context's
// error when the caller gave up.
type Driver interface {
	// Read runs fn in a read-only transaction that sees one snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction, committed when fn returns nil.
	Write(ctx context.Context, fn func(Tx) error) error
	// Wrote is called inside every committed-to-be write transaction with
	// its new revision (PostgreSQL sends NOTIFY here; SQLite does nothing).
	Wrote(ctx context.Context, tx Tx, rev int64) error
	// Close releases the connections.
	Close() error
}

// ViolationKind tells which constraint a Violation broke.
type ViolationKind int

// The constraint kinds a driver reports.
const (
	UniqueViolation ViolationKind = iota + 1
	ForeignKeyViolation
)

// Violation is a constraint failure reported by the database. Constraint is
// named the PostgreSQL way: "<table>_<col>[_<col>]_key" for unique
// constraints, "<table>_pkey" for the primary key, "<table>_<col>_fkey" for
// foreign keys; "" when the database did not say (SQLite foreign keys).
type Violation struct {
	Kind       ViolationKind
	Table      string
	Constraint string
	Err        error
}

func (v *Violation) Error() string { return v.Err.Error() }
func (v *Violation) Unwrap() error { return v.Err }

// errNoRows is returned by queryRow when the query matched nothing.
var errNoRows = errors.New("no rows")

// queryRow runs q and scans its first row into dest.
func queryRow(ctx context.Context, tx Tx, q string, args []any, dest ...any) error {
	found := false
	err := tx.Query(ctx, q, args, func(scan func(...any) error) error {
		if found {
			return nil
		}
		found = true
		return scan(dest...)
	})
	if err != nil {
		return err
	}
	if !found {
		return errNoRows
	}
	return nil
}

// Rows is the part of a result set that database/sql and pgx share.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// EachRow calls row for every row of rows, for Tx.Query implementations.
func EachRow(rows Rows, row func(scan func(...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
