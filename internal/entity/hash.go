package entity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/yield"
)

// Hash returns the md5 hex digest of c's canonical form: every kind sorted by
// id, timestamps left out. Identical configurations hash identically on
// every node, whenever and wherever they were loaded. Lists inside an entity
// (paths, hosts, ...) keep their order: it is part of the configuration.
func (c *Config) Hash() string {
	h := md5.New()
	c.canonical(h)
	return hex.EncodeToString(h.Sum(nil))
}

// canonical writes c's canonical form to w, one kind after another: the
// kind's name and a zero byte, then each entity's JSON on a line of its
// own, in id order.
func (c *Config) canonical(w io.Writer) {
	if c == nil {
		c = &Config{}
	}
	enc := json.NewEncoder(w)
	var y yield.Point
	for _, k := range Kinds {
		items := slices.DeleteFunc(c.OfKind(k), isNil)
		slices.SortStableFunc(items, func(a, b Entity) int {
			y.Tick()
			return strings.Compare(a.GetID(), b.GetID())
		})
		_, _ = w.Write([]byte(k))
		_, _ = w.Write([]byte{0})
		for _, e := range items {
			y.Tick()
			// encoding/json sorts map keys, so plugin configs are canonical too.
			_ = enc.Encode(withoutTimestamps(e))
		}
	}
}

// withoutTimestamps returns a shallow copy of e with created_at and
// updated_at zeroed (and so omitted from its JSON), or e itself when they
// are already zero.
func withoutTimestamps(e Entity) any {
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return e
	}
	meta := v.Elem().FieldByName("Meta")
	if !meta.IsValid() || meta.FieldByName("CreatedAt").Int() == 0 && meta.FieldByName("UpdatedAt").Int() == 0 {
		return e
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	m := cp.Elem().FieldByName("Meta")
	m.FieldByName("CreatedAt").SetInt(0)
	m.FieldByName("UpdatedAt").SetInt(0)
	return cp.Interface()
}
