package sqlstore

import (
	"context"
	"slices"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// caInUse refuses to delete a CA certificate that services still list in
// ca_certificates, as Kong 3.x does. The list is an array inside the JSON,
// not a column, so candidates are found by text and confirmed by decoding.
func caInUse(ctx context.Context, tx Tx, id string) error {
	n := 0
	err := queryEntities(ctx, tx, entity.KindService, `SELECT data FROM services WHERE data LIKE '%"' || $1 || '"%'`, []any{id},
		func(e entity.Entity) {
			if slices.Contains(e.(*entity.Service).CACertificates, id) {
				n++
			}
		})
	if err != nil {
		return err
	}
	if n > 0 {
		return &store.ReferencedError{Kind: entity.KindCACertificate, By: entity.KindService, Count: n}
	}
	return nil
}
