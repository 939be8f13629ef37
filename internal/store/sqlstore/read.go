package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, kind entity.Kind, idOrKey string) (entity.Entity, error) {
	t, err := tableOf(kind)
	if err != nil {
		return nil, err
	}
	var e entity.Entity
	err = s.drv.Read(ctx, func(tx Tx) error {
		e, err = getTx(ctx, tx, t, idOrKey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", kind, idOrKey, err)
	}
	return e, nil
}

// getTx is Get inside an open transaction.
func getTx(ctx context.Context, tx Tx, t *table, idOrKey string) (entity.Entity, error) {
	var data string
	if err := lookup(ctx, tx, t, idOrKey, "data", &data); err != nil {
		return nil, err
	}
	e, err := decode(t.kind, data)
	if err != nil {
		return nil, err
	}
	return e, fillSNIs(ctx, tx, e)
}

// txGetter serves store.Getter from an open transaction (Modify's fn).
type txGetter struct{ tx Tx }

func (g txGetter) Get(ctx context.Context, kind entity.Kind, idOrKey string) (entity.Entity, error) {
	t, err := tableOf(kind)
	if err != nil {
		return nil, err
	}
	e, err := getTx(ctx, g.tx, t, idOrKey)
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", kind, idOrKey, err)
	}
	return e, nil
}

// isUUID reports whether s is a UUID in its canonical 36-character form;
// anything else is looked up as an endpoint key.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// lookup finds the row whose id, or else whose endpoint key columns (in
// order), equal idOrKey, and scans column sel into dest.
func lookup(ctx context.Context, tx Tx, t *table, idOrKey, sel string, dest ...any) error {
	cols := t.keys
	if isUUID(idOrKey) {
		cols = []string{"id"}
	}
	for _, c := range cols {
		q := "SELECT " + sel + " FROM " + t.name() + " WHERE " + c + " = $1 ORDER BY id LIMIT 1"
		err := queryRow(ctx, tx, q, []any{idOrKey}, dest...)
		if errors.Is(err, errNoRows) {
			continue
		}
		return err
	}
	return store.ErrNotFound
}

// decode builds an entity of kind from its stored JSON.
func decode(kind entity.Kind, data string) (entity.Entity, error) {
	e := entity.New(kind)
	if err := json.Unmarshal([]byte(data), e); err != nil {
		return nil, fmt.Errorf("decode stored %s: %w", kind, err)
	}
	return e, nil
}

// queryEntities runs q, whose one column is the data of kind's rows, and
// gives each decoded entity to each.
func queryEntities(ctx context.Context, tx Tx, kind entity.Kind, q string, args []any, each func(entity.Entity)) error {
	return tx.Query(ctx, q, args, func(scan func(...any) error) error {
		var data string
		if err := scan(&data); err != nil {
			return err
		}
		e, err := decode(kind, data)
		if err != nil {
			return err
		}
		each(e)
		return nil
	})
}

// fillSNIs sets a certificate's snis shorthand from the sni entities
// pointing at it; other entities are left alone. The names are sorted in
// byte order, as ExportRevision sorts them: ORDER BY name would follow the
// database's collation, which on PostgreSQL may be a language's.
func fillSNIs(ctx context.Context, tx Tx, e entity.Entity) error {
	c, ok := e.(*entity.Certificate)
	if !ok {
		return nil
	}
	c.SNIs = nil
	err := tx.Query(ctx, "SELECT name FROM snis WHERE certificate_id = $1", []any{c.ID},
		func(scan func(...any) error) error {
			var name string
			if err := scan(&name); err != nil {
				return err
			}
			c.SNIs = append(c.SNIs, name)
			return nil
		})
	slices.Sort(c.SNIs)
	return err
}

// List implements store.Store: pages ordered by id, the offset token being
// the last id of the previous page.
func (s *Store) List(ctx context.Context, kind entity.Kind, opts store.ListOptions) (store.Page, error) {
	t, err := tableOf(kind)
	if err != nil {
		return store.Page{}, err
	}
	size := opts.Size
	if size <= 0 {
		size = 100
	}
	size = min(size, 1000)
	after, err := decodeOffset(opts.Offset)
	if err != nil {
		return store.Page{}, err
	}
	where := []string{"id > $1"}
	args := []any{after}
	if fk := opts.ForeignKey; fk != nil {
		r := t.ref(fk.Field)
		if r == nil {
			return store.Page{}, fmt.Errorf("list %s: they have no %q reference", kind, fk.Field)
		}
		args = append(args, fk.ID)
		where = append(where, r.col+" = $"+strconv.Itoa(len(args)))
	}
	if tags := dedupe(opts.Tags); len(tags) > 0 {
		marks := make([]string, len(tags))
		for i, tag := range tags {
			args = append(args, tag)
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		sub := "SELECT entity_id FROM " + t.name() + "_tags WHERE tag IN (" + strings.Join(marks, ", ") + ")"
		if !opts.TagsOr {
			sub += " GROUP BY entity_id HAVING COUNT(*) = " + strconv.Itoa(len(tags))
		}
		where = append(where, "id IN ("+sub+")")
	}
	args = append(args, size+1)
	q := "SELECT data FROM " + t.name() + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY id LIMIT $" + strconv.Itoa(len(args))

	var page store.Page
	err = s.drv.Read(ctx, func(tx Tx) error {
		page = store.Page{}
		err := queryEntities(ctx, tx, kind, q, args, func(e entity.Entity) {
			page.Items = append(page.Items, e)
		})
		if err != nil {
			return err
		}
		if len(page.Items) > size {
			page.Items = page.Items[:size]
			page.Next = encodeOffset(page.Items[size-1].GetID())
		}
		for _, e := range page.Items {
			if err := fillSNIs(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.Page{}, fmt.Errorf("list %s: %w", kind, err)
	}
	return page, nil
}

func encodeOffset(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeOffset(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	// An offset names the last id of a page: anything that does not decode
	// to a UUID was not made by encodeOffset (and would silently list nothing).
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		_, err = uuid.Parse(string(b))
	}
	if err != nil {
		return "", fmt.Errorf("%w: %q is not an offset returned by a previous page", store.ErrInvalidOffset, tok)
	}
	return string(b), nil
}

// dedupe returns the distinct non-empty values of in, sorted.
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Export implements store.Store. It reads one consistent snapshot.
func (s *Store) Export(ctx context.Context) (*entity.Config, error) {
	cfg, _, err := s.ExportRevision(ctx)
	return cfg, err
}

// ExportRevision implements store.RevisionExporter: the configuration and
// the revision it reflects, read from one snapshot.
func (s *Store) ExportRevision(ctx context.Context) (*entity.Config, int64, error) {
	var cfg *entity.Config
	var rev int64
	err := s.drv.Read(ctx, func(tx Tx) error {
		cfg = &entity.Config{}
		if err := queryRow(ctx, tx, "SELECT value FROM gantry_revision WHERE id = 1", nil, &rev); err != nil {
			return err
		}
		for _, k := range entity.Kinds {
			if err := queryEntities(ctx, tx, k, "SELECT data FROM "+string(k)+" ORDER BY id", nil, cfg.Add); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("export: %w", err)
	}
	names := map[string][]string{}
	for _, sni := range cfg.SNIs {
		id := entity.RefID(sni.Certificate)
		names[id] = append(names[id], sni.Name)
	}
	for _, c := range cfg.Certificates {
		c.SNIs = names[c.ID]
		slices.Sort(c.SNIs)
	}
	return cfg, rev, nil
}
