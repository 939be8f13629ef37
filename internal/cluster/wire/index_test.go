package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Index is a configuration's entities by kind and id with their JSON: the
// straightforward way to a delta (Diff), which the tests hold DiffDigests
// to. Control planes used it until a version became its digest.
type Index struct {
	byKey map[string][]byte // "kind/id" -> JSON
}

// NewIndex indexes cfg.
func NewIndex(cfg *entity.Config) (*Index, error) {
	ix := &Index{byKey: map[string][]byte{}}
	var err error
	cfg.Each(func(e entity.Entity) {
		if err != nil || e == nil {
			return
		}
		b, merr := json.Marshal(e)
		if merr != nil {
			err = fmt.Errorf("index %s %s: %w", e.EntityKind(), e.GetID(), merr)
			return
		}
		ix.byKey[string(e.EntityKind())+"/"+e.GetID()] = b
	})
	return ix, err
}

// Len is the number of entities indexed.
func (ix *Index) Len() int { return len(ix.byKey) }

// Diff returns the delta that turns from into to, deterministically ordered.
func Diff(from, to *Index) *Delta {
	d := &Delta{Upserts: map[entity.Kind][]json.RawMessage{}, Deletes: map[entity.Kind][]string{}}
	for _, key := range slices.Sorted(maps.Keys(to.byKey)) {
		if old, ok := from.byKey[key]; !ok || !bytes.Equal(old, to.byKey[key]) {
			k, _, _ := strings.Cut(key, "/")
			d.Upserts[entity.Kind(k)] = append(d.Upserts[entity.Kind(k)], to.byKey[key])
		}
	}
	for _, key := range slices.Sorted(maps.Keys(from.byKey)) {
		if _, ok := to.byKey[key]; !ok {
			k, id, _ := strings.Cut(key, "/")
			d.Deletes[entity.Kind(k)] = append(d.Deletes[entity.Kind(k)], id)
		}
	}
	return d
}
