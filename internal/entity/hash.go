package entity

import (
	"reflect"
)

// Hash returns the md5 hex digest of c's canonical form: every kind sorted by
// id (its name and a zero byte, then each entity's JSON on a line of its
// own), timestamps left out. Identical configurations hash identically on
// every node, whenever and wherever they were loaded. Lists inside an entity
// (paths, hosts, ...) keep their order: it is part of the configuration.
// It is Digest().Hash.
func (c *Config) Hash() string { return c.Digest().Hash }

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
