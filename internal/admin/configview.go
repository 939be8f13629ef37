package admin

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// reader is the read half of store.Store. Traditional and control-plane
// nodes read the store; DB-less nodes read the configuration they run.
type reader interface {
	getter
	List(ctx context.Context, kind entity.Kind, opts store.ListOptions) (store.Page, error)
}

// getter is the part of reader that building an entity needs (resolving
// references); inside a store.Modifier transaction it reads that transaction.
type getter interface {
	Get(ctx context.Context, kind entity.Kind, idOrKey string) (entity.Entity, error)
}

// configView serves reads from an in-memory configuration (DB-less nodes),
// with the same paging, tag and foreign-key filters as the stores. Offsets
// are base64 positions in the kind's list; the config is immutable, so a
// position stays meaningful until the next POST /config.
type configView struct {
	cfg *entity.Config
}

func (v configView) all(k entity.Kind) []entity.Entity {
	var out []entity.Entity
	if v.cfg == nil {
		return nil
	}
	v.cfg.Each(func(e entity.Entity) {
		if e.EntityKind() == k {
			out = append(out, e)
		}
	})
	return out
}

// Get finds by id, else by endpoint key.
func (v configView) Get(_ context.Context, k entity.Kind, idOrKey string) (entity.Entity, error) {
	byID := isUUID(idOrKey)
	for _, e := range v.all(k) {
		if byID && e.GetID() == idOrKey {
			return e, nil
		}
		if !byID && idOrKey != "" && keyMatches(e, idOrKey) {
			return e, nil
		}
	}
	return nil, store.ErrNotFound
}

// keyMatches compares a path segment with e's endpoint key; consumers
// answer to their username or their custom_id.
func keyMatches(e entity.Entity, key string) bool {
	if c, ok := e.(*entity.Consumer); ok {
		return c.Username == key || c.CustomID == key
	}
	return e.EndpointKey() == key
}

// List pages through kind k.
func (v configView) List(_ context.Context, k entity.Kind, opts store.ListOptions) (store.Page, error) {
	start := 0
	if opts.Offset != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Offset)
		if err != nil {
			return store.Page{}, errInvalidOffset(opts.Offset, "bad base64 encoding")
		}
		n, err := strconv.Atoi(string(b))
		if err != nil || n < 0 {
			return store.Page{}, errInvalidOffset(opts.Offset, "not a position in this list")
		}
		start = n
	}
	size := opts.Size
	if size <= 0 {
		size = 100
	}
	var page store.Page
	items := v.all(k)
	for i := start; i < len(items); i++ {
		e := items[i]
		if !matchesFilters(e, opts) {
			continue
		}
		if len(page.Items) == size {
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i)))
			break
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

func matchesFilters(e entity.Entity, opts store.ListOptions) bool {
	if fk := opts.ForeignKey; fk != nil {
		ref := entity.RefField(e, fk.Field)
		if ref == nil || entity.RefID(*ref) != fk.ID {
			return false
		}
	}
	if len(opts.Tags) == 0 {
		return true
	}
	tags := e.GetTags()
	for _, t := range opts.Tags {
		has := slices.Contains(tags, t)
		if opts.TagsOr && has {
			return true
		}
		if !opts.TagsOr && !has {
			return false
		}
	}
	return !opts.TagsOr
}

func errInvalidOffset(offset, why string) error {
	return fmt.Errorf("%w: '%s' %s", store.ErrInvalidOffset, offset, why)
}
