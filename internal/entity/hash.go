package entity

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
)

// Hash returns the md5 hex digest of c's canonical form: every kind sorted by
// id, timestamps left out. Identical configurations hash identically on
// every node, whenever and wherever they were loaded. Lists inside an entity
// (paths, hosts, ...) keep their order: it is part of the configuration.
func (c *Config) Hash() string {
	h := md5.New()
	c.canonical(h, nil)
	return hex.EncodeToString(h.Sum(nil))
}

// canonical writes c's canonical form to w, one kind after another, and
// hands each kind's part (the kind's entities, without its name) to part
// when part is not nil. The slice is reused: part must not keep it.
func (c *Config) canonical(w io.Writer, part func(Kind, []byte)) {
	if c == nil {
		c = &Config{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, k := range Kinds {
		items := slices.DeleteFunc(c.OfKind(k), isNil)
		slices.SortStableFunc(items, func(a, b Entity) int { return strings.Compare(a.GetID(), b.GetID()) })
		buf.Reset()
		for _, e := range items {
			// encoding/json sorts map keys, so plugin configs are canonical too.
			_ = enc.Encode(withoutTimestamps(e))
		}
		_, _ = w.Write([]byte(k))
		_, _ = w.Write([]byte{0})
		_, _ = w.Write(buf.Bytes())
		if part != nil {
			part(k, buf.Bytes())
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
