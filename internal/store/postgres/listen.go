package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// listen starts the goroutine that delivers other nodes' revisions to
// publish. Close stops it.
func (d *driver) listen(publish func(int64)) {
	ctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	d.wg.Go(func() {
		const maxBackoff = 5 * time.Second
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			connected, err := d.listenOnce(ctx, publish)
			if ctx.Err() != nil {
				return
			}
			if connected {
				backoff = 100 * time.Millisecond
			}
			d.log.Warn("change notifications interrupted; reconnecting", "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
		}
	})
}

// listenOnce holds one LISTEN connection until it fails. After (re)connecting
// it publishes the current revision, so writes made while it was away are
// not missed. connected reports whether it got that far.
func (d *driver) listenOnce(ctx context.Context, publish func(int64)) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, d.connCfg.Copy())
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return false, err
	}
	var rev int64
	if err := conn.QueryRow(ctx, "SELECT value FROM gantry_revision WHERE id = 1").Scan(&rev); err != nil {
		return false, err
	}
	publish(rev)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		rev, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			return true, fmt.Errorf("notification %q on %s: %w", n.Payload, channel, err)
		}
		publish(rev)
	}
}
