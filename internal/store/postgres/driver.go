package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

// channel is the NOTIFY channel carrying new revisions.
const channel = "gantry_changes"

// driver is the sqlstore.Driver over a pgx pool, plus the listener.
type driver struct {
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig
	log     *slog.Logger

	stop context.CancelFunc
	wg   sync.WaitGroup
}

func (d *driver) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Write uses READ COMMITTED: writers are serialized by the revision row
// lock each takes first, so every later statement sees the latest commits.
func (d *driver) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.inTx(ctx, pgx.TxOptions{}, fn)
}

func (d *driver) Wrote(ctx context.Context, tx sqlstore.Tx, rev int64) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify('"+channel+"', $1)", strconv.FormatInt(rev, 10))
	return err
}

func (d *driver) Close() error {
	if d.stop != nil {
		d.stop()
		d.wg.Wait()
	}
	d.pool.Close()
	return nil
}

func (d *driver) inTx(ctx context.Context, opts pgx.TxOptions, fn func(sqlstore.Tx) error) error {
	tx, err := d.pool.BeginTx(ctx, opts)
	if err != nil {
		return classify(ctx, err)
	}
	if err := fn(pgTx{tx}); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return classify(ctx, tx.Commit(ctx))
}

// pgTx adapts pgx.Tx to sqlstore.Tx.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, classify(ctx, err)
	}
	return tag.RowsAffected(), nil
}

func (t pgTx) Query(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return classify(ctx, err)
	}
	defer rows.Close()
	return classify(ctx, sqlstore.EachRow(rows, row))
}

// classify turns pgx errors into what sqlstore expects: constraint
// violations, store.ErrUnavailable for a database that cannot be reached or
// is shutting down, the context's error when the caller gave up.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return &sqlstore.Violation{Kind: sqlstore.UniqueViolation, Table: pe.TableName, Constraint: pe.ConstraintName, Err: err}
		case pe.Code == "23503":
			return &sqlstore.Violation{Kind: sqlstore.ForeignKeyViolation, Table: pe.TableName, Constraint: pe.ConstraintName, Err: err}
		case pe.Code[:2] == "08", pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03",
			pe.Code == "53300", pe.Code == "3D000", pe.Code == "28P01", pe.Code == "28000":
			// connection failures, shutdown, too many clients, no such
			// database, authentication failure
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// Batch sends stmts in one pgx batch: one round trip for all of them.
func (t pgTx) Batch(ctx context.Context, stmts []sqlstore.Stmt) (int, error) {
	b := &pgx.Batch{}
	for _, s := range stmts {
		b.Queue(s.SQL, s.Args...)
	}
	br := t.tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range stmts {
		if _, err := br.Exec(); err != nil {
			return i, classify(ctx, err)
		}
	}
	return -1, classify(ctx, br.Close())
}
