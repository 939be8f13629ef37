package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/store"
)

var _ store.DataPlaneStore = (*Store)(nil)

// Data-plane rows are written outside write(): they are not configuration,
// so they neither bump the revision nor notify, and a heartbeat never
// waits for an Admin API writer's lock on gantry_revision.

const upsertDataPlane = `INSERT INTO clustering_data_planes (id, hostname, ip, version, sync_status,
	sync_status_detail, config_hash, config_version, labels, cert_expiry, connected, last_rejection,
	last_seen, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, ip = excluded.ip,
	version = excluded.version, sync_status = excluded.sync_status,
	sync_status_detail = excluded.sync_status_detail, config_hash = excluded.config_hash,
	config_version = excluded.config_version, labels = excluded.labels,
	cert_expiry = excluded.cert_expiry, connected = excluded.connected,
	last_rejection = excluded.last_rejection, last_seen = excluded.last_seen,
	updated_at = excluded.updated_at
	WHERE clustering_data_planes.last_seen <= excluded.last_seen`

// UpsertDataPlane implements store.DataPlaneStore. created_at is kept from
// the first write, and a row last seen before the stored one changes
// nothing: with several control planes on one database, the one a data
// plane left may record its disconnect after the one it moved to recorded
// the new connection, and must not overwrite it.
func (s *Store) UpsertDataPlane(ctx context.Context, row store.DataPlaneRow) error {
	return s.UpsertDataPlanes(ctx, []store.DataPlaneRow{row})
}

// UpsertDataPlanes implements store.DataPlaneStore: every row in one
// transaction, so a fleet's status costs the database's single writer one
// commit, not one per data plane. A bad row fails the batch before it
// starts and names the row.
func (s *Store) UpsertDataPlanes(ctx context.Context, rows []store.DataPlaneRow) error {
	if len(rows) == 0 {
		return nil
	}
	args := make([][]any, len(rows))
	for i, row := range rows {
		if row.ID == "" {
			return fmt.Errorf("data plane row %d: id is empty", i)
		}
		labels := row.Labels
		if labels == nil {
			labels = map[string]string{}
		}
		lb, err := json.Marshal(labels)
		if err != nil {
			return fmt.Errorf("data plane %s: labels: %w", row.ID, err)
		}
		var rej any // NULL when none
		if len(row.LastRejection) > 0 {
			rej = string(row.LastRejection)
		}
		args[i] = []any{row.ID, row.Hostname, row.IP, row.Version, row.SyncStatus,
			row.SyncDetail, row.ConfigHash, row.ConfigVersion, string(lb), row.CertExpiry, row.Connected, rej,
			row.LastSeen, row.CreatedAt, row.UpdatedAt}
	}
	err := s.drv.Write(ctx, func(tx Tx) error {
		for i, a := range args {
			if _, err := tx.Exec(ctx, upsertDataPlane, a...); err != nil {
				return fmt.Errorf("data plane %s: %w", rows[i].ID, err)
			}
		}
		return nil
	})
	if err != nil {
		if len(rows) == 1 {
			return fmt.Errorf("write data plane %s: %w", rows[0].ID, err)
		}
		return fmt.Errorf("write %d data planes: %w", len(rows), err)
	}
	return nil
}

// ListDataPlanes implements store.DataPlaneStore.
func (s *Store) ListDataPlanes(ctx context.Context) ([]store.DataPlaneRow, error) {
	var out []store.DataPlaneRow
	err := s.drv.Read(ctx, func(tx Tx) error {
		out = out[:0]
		return tx.Query(ctx, `SELECT id, hostname, ip, version, sync_status, sync_status_detail, config_hash,
			config_version, labels, cert_expiry, connected, last_rejection, last_seen, created_at, updated_at
			FROM clustering_data_planes ORDER BY id`, nil, func(scan func(...any) error) error {
			var r store.DataPlaneRow
			var labels string
			var rej *string
			err := scan(&r.ID, &r.Hostname, &r.IP, &r.Version, &r.SyncStatus, &r.SyncDetail, &r.ConfigHash,
				&r.ConfigVersion, &labels, &r.CertExpiry, &r.Connected, &rej, &r.LastSeen, &r.CreatedAt, &r.UpdatedAt)
			if err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
				return fmt.Errorf("data plane %s: labels: %w", r.ID, err)
			}
			if rej != nil {
				r.LastRejection = []byte(*rej)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list data planes: %w", err)
	}
	return out, nil
}

// PurgeDataPlanes implements store.DataPlaneStore.
func (s *Store) PurgeDataPlanes(ctx context.Context, olderThan time.Time) (int, error) {
	var n int64
	err := s.drv.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Exec(ctx, "DELETE FROM clustering_data_planes WHERE last_seen < $1", olderThan.Unix())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge data planes: %w", err)
	}
	return int(n), nil
}
