package entity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// Hash returns the md5 hex digest of c's canonical form: every kind sorted by
// id, timestamps left out. Identical configurations hash identically on
// every node, whenever and wherever they were loaded. Lists inside an entity
// (paths, hosts, ...) keep their order: it is part of the configuration.
func (c *Config) Hash() string {
	if c == nil {
		c = &Config{}
	}
	h := md5.New()
	enc := json.NewEncoder(h)
	for _, k := range Kinds {
		items := slices.DeleteFunc(c.OfKind(k), isNil)
		slices.SortStableFunc(items, func(a, b Entity) int { return strings.Compare(a.GetID(), b.GetID()) })
		h.Write([]byte(k))
		h.Write([]byte{0})
		for _, e := range items {
			// encoding/json sorts map keys, so plugin configs are canonical too.
			_ = enc.Encode(withoutTimestamps(e))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
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
