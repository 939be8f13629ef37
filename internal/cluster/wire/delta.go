package wire

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/yield"
)

// Delta is the change from one version to another: entities to create or
// replace (as JSON) and ids to delete, by kind.
type Delta struct {
	Upserts map[entity.Kind][]json.RawMessage `json:"upserts,omitempty"`
	Deletes map[entity.Kind][]string          `json:"deletes,omitempty"`
}

// DiffDigests returns the delta that turns the configuration of from into
// that of to, both digests keeping their entities' encodings
// (entity.Digest.Changes): the work follows the kinds that changed. Each
// kind's upserts and deletes are in id order. An upsert is the
// entity as json.Marshal gives it, made from its canonical encoding
// (entity.Marshal). ok is false when a digest keeps no encodings.
func DiffDigests(from, to entity.Digest) (d *Delta, ok bool, err error) {
	d = &Delta{Upserts: map[entity.Kind][]json.RawMessage{}, Deletes: map[entity.Kind][]string{}}
	ok = to.Changes(from, func(k entity.Kind, e entity.Entity, canon []byte) {
		if err != nil {
			return
		}
		b, merr := entity.Marshal(e, canon)
		if merr != nil {
			err = fmt.Errorf("%s %s: %w", k, e.GetID(), merr)
			return
		}
		d.Upserts[k] = append(d.Upserts[k], b)
	}, func(k entity.Kind, id string) {
		d.Deletes[k] = append(d.Deletes[k], id)
	})
	return d, ok, err
}

// Size is the number of changed entities.
func (d *Delta) Size() int {
	n := 0
	for _, l := range d.Upserts {
		n += len(l)
	}
	for _, l := range d.Deletes {
		n += len(l)
	}
	return n
}

// EncodeDelta encodes d as the payload of version (hash) on top of a base.
func (c *Codec) EncodeDelta(version int64, hash string, d *Delta) (*Encoded, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode delta to version %d: %w", version, err)
	}
	return c.seal(version, hash, raw), nil
}

// DecodeDelta decompresses a delta payload and applies it on top of base,
// which it does not modify. base must be valid (it is running): the
// entities the delta brings get their fields checked (plugin configs with
// validatePlugin), and ids, unique fields and references are checked across
// the result, so a delta costs field checks only for what it changes. The
// caller still compares the result's hash with the one the control plane
// announced. cache, when not nil, holds the encodings of base's entities
// from its digest, so digesting the result encodes only what the delta
// brought (see entity.DigestCached). claim is the result's hash and tree as
// the control plane announced them: when the tree matches, the hash is
// taken from it (see entity.Checks.Claim).
func (c *Codec) DecodeDelta(base *entity.Config, payload []byte, sum uint32, validatePlugin func(*entity.Plugin) entity.Errors, cache *entity.DigestCache, claim entity.Claim) (entity.Valid, error) {
	raw, err := c.Decompress(payload, sum)
	if err != nil {
		return entity.Valid{}, err
	}
	var d Delta
	if err := json.Unmarshal(raw, &d); err != nil {
		return entity.Valid{}, fmt.Errorf("decode delta: %w", err)
	}
	out := &entity.Config{}
	change := &entity.Delta{Deletes: d.Deletes}
	for _, k := range entity.Kinds {
		if base != nil && len(d.Upserts[k]) == 0 && len(d.Deletes[k]) == 0 {
			out.ShareKind(base, k) // untouched: base's list, as it is
			continue
		}
		ups, err := mergeKind(out, base, k, &d, validatePlugin)
		if err != nil {
			return entity.Valid{}, err
		}
		change.Upserts = append(change.Upserts, ups...)
	}
	for k := range d.Upserts {
		if !slices.Contains(entity.Kinds, k) && len(d.Upserts[k]) > 0 {
			return entity.Valid{}, fmt.Errorf("decode delta: unknown entity kind %q", k)
		}
	}
	// base is valid (it is running), or nil (empty): the check looks only
	// at what the delta can break.
	checks := entity.Checks{Delta: change, Cache: cache, Claim: claim}
	v, err := out.Check(checks)
	if err != nil {
		return entity.Valid{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return v, nil
}

func byID(a, b entity.Entity) int { return strings.Compare(a.GetID(), b.GetID()) }

// mergeKind adds to out base's entities of kind k minus the deleted and
// replaced ones, plus the upserts, sorted by id as a store exports them.
// It returns the upserted entities.
func mergeKind(out, base *entity.Config, k entity.Kind, d *Delta, validatePlugin func(*entity.Plugin) entity.Errors) ([]entity.Entity, error) {
	gone := map[string]bool{}
	for _, id := range d.Deletes[k] {
		gone[id] = true
	}
	var upserts []entity.Entity
	for i, raw := range d.Upserts[k] {
		e, err := decodeEntity(k, raw)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] in delta: %w", k, i, err)
		}
		if p, ok := e.(*entity.Plugin); ok && validatePlugin != nil {
			if errs := validatePlugin(p); len(errs) > 0 {
				return nil, fmt.Errorf("plugins (%s, id %s): %w", p.Name, p.ID, errs)
			}
		}
		gone[e.GetID()] = true
		upserts = append(upserts, e)
	}
	if base != nil {
		gone := slices.Sorted(maps.Keys(gone))
		sorted := slices.SortedStableFunc(slices.Values(upserts), byID)
		if out.PatchKind(base, k, gone, sorted) {
			return upserts, nil
		}
	}
	// base's entities are not in id order (a declarative file's): sort.
	var all []entity.Entity
	var y yield.Point
	if base != nil {
		for _, e := range base.OfKind(k) {
			y.Tick()
			if e != nil && !gone[e.GetID()] {
				all = append(all, e)
			}
		}
	}
	all = append(all, upserts...)
	slices.SortStableFunc(all, func(a, b entity.Entity) int {
		y.Tick()
		return byID(a, b)
	})
	for _, e := range all {
		y.Tick()
		out.Add(e)
	}
	return upserts, nil
}
