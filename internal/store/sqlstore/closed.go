package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/store"
)

// errClosed is what every call on a closed Store returns. It wraps
// store.ErrUnavailable so the Admin API answers 503 (the database is
// unavailable to this node) instead of 500 while a node shuts down.
var errClosed = fmt.Errorf("the store is closed (the node is stopping): %w", store.ErrUnavailable)

// closable refuses work once closed, with errClosed, whatever error the
// backend's own closed connections would have given (database/sql and
// pgxpool each have their own, unclassified).
type closable struct {
	Driver
	closed atomic.Bool
}

func (c *closable) Read(ctx context.Context, fn func(Tx) error) error {
	if c.closed.Load() {
		return errClosed
	}
	return c.closedOr(c.Driver.Read(ctx, fn))
}

func (c *closable) Write(ctx context.Context, fn func(Tx) error) error {
	if c.closed.Load() {
		return errClosed
	}
	return c.closedOr(c.Driver.Write(ctx, fn))
}

// closedOr turns an error raised by a call that raced Close into errClosed.
func (c *closable) closedOr(err error) error {
	if err != nil && c.closed.Load() {
		return fmt.Errorf("%w (%v)", errClosed, err)
	}
	return err
}

func (c *closable) Close() error {
	c.closed.Store(true)
	return c.Driver.Close()
}
