package cp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gantryhq/gantry/internal/store"
)

// writeMark is when a row was last written to the store and its urgent
// state then: a change of that state is written at once, anything else
// (last_seen moving on every heartbeat) at most once per Timing.Write.
type writeMark struct {
	at  time.Time
	key string
}

func urgentKey(dp *DataPlane) string {
	var rej int64
	if dp.LastRejection != nil {
		rej = dp.LastRejection.At
	}
	return fmt.Sprintf("%s|%s|%t|%d|%s|%s", dp.ConfigHash, dp.SyncStatus, dp.Connected, rej, dp.Version, dp.Hostname)
}

// due returns copies of the changed rows to write now and marks them
// written; all (at shutdown) takes every changed row regardless of window.
func (r *registry) due(now time.Time, window time.Duration, all bool) []DataPlane {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []DataPlane
	for id := range r.dirty {
		dp, ok := r.dps[id]
		if !ok {
			delete(r.dirty, id)
			continue
		}
		key := urgentKey(dp)
		if m, ok := r.written[id]; !all && ok && m.key == key && now.Sub(m.at) < window {
			continue
		}
		delete(r.dirty, id)
		r.written[id] = writeMark{at: now, key: key}
		out = append(out, copyRow(dp))
	}
	return out
}

// retry queues id again after a failed write, to be written on the next
// tick of the writer.
func (r *registry) retry(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.dps[id]; ok {
		delete(r.written, id)
		r.dirty[id] = true
	}
}

// preferred returns copies of the rows this CP knows better than the
// store: DPs connected here, and rows whose latest change is not written.
func (r *registry) preferred() map[string]DataPlane {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]DataPlane{}
	for id, dp := range r.dps {
		if r.conns[id] > 0 || r.dirty[id] {
			out[id] = copyRow(dp)
		}
	}
	return out
}

// writeLoop writes changed rows to ds until ctx ends, then writes what is
// left (the disconnects of shutdown) once more. It is the only writer of
// data-plane rows: whatever changed since its last write goes in one batch
// (the latest state of each row), and two batches are at least
// Timing.Batch apart, so a version pushed to a thousand data planes costs
// the database a few transactions, not a thousand, and the Admin API's
// writes never queue behind one per data plane.
func (c *ControlPlane) writeLoop(ctx context.Context, ds store.DataPlaneStore) {
	t := time.NewTicker(c.opts.Timing.Write)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.flush(final, ds, true)
			cancel()
			return
		case <-c.dps.kick:
		case <-t.C:
		}
		c.flush(ctx, ds, false)
		// Changes arriving now wait for the next batch.
		select {
		case <-ctx.Done():
		case <-time.After(c.opts.Timing.Batch):
		}
	}
}

// batchRows bounds one transaction of data-plane rows, so SQLite's single
// writer is never held long by a large fleet's batch.
const batchRows = 64

func (c *ControlPlane) flush(ctx context.Context, ds store.DataPlaneStore, all bool) {
	var failed int
	var first error
	rows := c.dps.due(time.Now(), c.opts.Timing.Write, all)
	for chunk := range slices.Chunk(rows, batchRows) {
		batch := make([]store.DataPlaneRow, len(chunk))
		for i := range chunk {
			batch[i] = toRow(&chunk[i])
		}
		if err := ds.UpsertDataPlanes(ctx, batch); err != nil {
			for i := range chunk {
				c.dps.retry(chunk[i].ID)
			}
			if failed += len(chunk); first == nil {
				first = err
			}
		}
	}
	if failed > 0 && ctx.Err() == nil {
		c.log.Warn("cannot record data planes in the database; other control planes may list them late",
			"count", failed, "error", first)
	}
}

// fleet lists every data plane recorded in the store by any control plane
// sharing it, with this CP's fresher rows in place of the store's.
func (c *ControlPlane) fleet(ctx context.Context, ds store.DataPlaneStore) ([]DataPlane, error) {
	stored, err := ds.ListDataPlanes(ctx)
	if err != nil {
		return nil, err
	}
	mine := c.dps.preferred()
	// A row marked connected by a control plane that died stays so in the
	// store: past the time a live one takes to refresh it, it is not.
	stale := time.Now().Add(-(c.opts.Timing.Timeout + c.opts.Timing.Write + time.Second)).Unix()
	out := make([]DataPlane, 0, len(stored)+len(mine))
	for i := range stored {
		if _, ok := mine[stored[i].ID]; ok {
			continue
		}
		dp := fromRow(&stored[i])
		dp.Connected = dp.Connected && dp.LastSeen >= stale
		out = append(out, dp)
	}
	for _, dp := range mine {
		out = append(out, dp)
	}
	cur := c.hist.current()
	for i := range out {
		expect(&out[i], cur)
	}
	sortRows(out)
	return out, nil
}

func toRow(dp *DataPlane) store.DataPlaneRow {
	row := store.DataPlaneRow{ID: dp.ID, Hostname: dp.Hostname, IP: dp.IP, Version: dp.Version,
		SyncStatus: dp.SyncStatus, SyncDetail: dp.SyncDetail, ConfigHash: dp.ConfigHash,
		ConfigVersion: dp.ConfigVersion, Labels: dp.Labels, CertExpiry: dp.CertDetails.ExpiryTimestamp,
		Connected: dp.Connected, LastSeen: dp.LastSeen, CreatedAt: dp.CreatedAt, UpdatedAt: dp.UpdatedAt}
	if dp.LastRejection != nil {
		row.LastRejection, _ = json.Marshal(dp.LastRejection) // plain struct: cannot fail
	}
	return row
}

func fromRow(row *store.DataPlaneRow) DataPlane {
	dp := DataPlane{ID: row.ID, Hostname: row.Hostname, IP: row.IP, Version: row.Version,
		SyncStatus: row.SyncStatus, SyncDetail: row.SyncDetail, ConfigHash: row.ConfigHash,
		ConfigVersion: row.ConfigVersion, Labels: row.Labels, CertDetails: CertDetails{ExpiryTimestamp: row.CertExpiry},
		Connected: row.Connected, LastSeen: row.LastSeen, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	if dp.Labels == nil {
		dp.Labels = map[string]string{}
	}
	if len(row.LastRejection) > 0 {
		var rej Rejection
		if json.Unmarshal(row.LastRejection, &rej) == nil {
			dp.LastRejection = &rej
		}
	}
	return dp
}
