package sqlite

import (
	"context"
	"time"
)

// pollEvery is how often a Store looks for writes made by another process
// on the same file (`gantry config db_import` into a running node's file,
// say). Its own writes are announced at once.
const pollEvery = time.Second

// watch starts the goroutine that publishes revisions committed by other
// connections to the file. Close stops it.
func (d *driver) watch(publish func(int64)) {
	ctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	d.wg.Go(func() {
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var rev int64
			err := d.reader.QueryRowContext(ctx, "SELECT value FROM gantry_revision WHERE id = 1").Scan(&rev)
			if err == nil {
				publish(rev)
			}
		}
	})
}
