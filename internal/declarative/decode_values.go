package declarative

import (
	"math"
	"reflect"

	"github.com/gantryhq/gantry/internal/entity"
)

// decodeRef accepts a reference as Kong writes it: a name or id string, or
// a record {id: ...} (also {name: ...}).
func (d *decoder) decodeRef(n *node, v reflect.Value) bool {
	if s, ok := n.value.(string); ok && n.kind == kindScalar {
		v.Set(reflect.ValueOf(entity.Ref{ID: s}))
		return true
	}
	if n.kind != kindMap {
		return d.wrong(n, "a name, an id or a record {id: ...}")
	}
	var id string
	ok := true
	for _, f := range n.fields {
		if f.key != "id" && f.key != "name" {
			if d.unknown(f) {
				ok = false
			}
			continue
		}
		s, isStr := f.val.value.(string)
		if !isStr || f.val.kind != kindScalar {
			d.pushKey(f.key)
			ok = d.wrong(f.val, "a string")
			d.pop()
			continue
		}
		id = s
	}
	if id == "" && ok {
		d.at(n, "a reference needs 'id' (or 'name')")
		return false
	}
	v.Set(reflect.ValueOf(entity.Ref{ID: id}))
	return ok
}

// generic converts n to what encoding/json would decode from the same
// value (float64 numbers, map[string]any, []any), so a plugin config is
// the same whether it came from YAML, JSON or the Admin API.
func (d *decoder) generic(n *node) (any, bool) {
	switch n.kind {
	case kindMap:
		m := make(map[string]any, len(n.fields))
		ok := true
		for _, f := range n.fields {
			d.pushKey(f.key)
			v, fok := d.generic(f.val)
			d.pop()
			ok = ok && fok
			m[f.key] = v
		}
		return m, ok
	case kindSeq:
		list := make([]any, len(n.items))
		ok := true
		for i, item := range n.items {
			d.pushIndex(i)
			v, iok := d.generic(item)
			d.pop()
			ok = ok && iok
			list[i] = v
		}
		return list, ok
	}
	switch v := n.value.(type) {
	case int64, uint64, float64:
		f, _ := asFloat(n)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			d.at(n, "expected a number (infinity and NaN are not allowed)")
			return nil, false
		}
		return f, true
	default:
		return v, true
	}
}

// asInt returns n as an integer; integral floats (60000.0) count.
func asInt(n *node) (int64, bool) {
	if n.kind != kindScalar {
		return 0, false
	}
	switch v := n.value.(type) {
	case int64:
		return v, true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	}
	return 0, false
}

// asFloat returns n as a number.
func asFloat(n *node) (float64, bool) {
	if n.kind != kindScalar {
		return 0, false
	}
	switch v := n.value.(type) {
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return 0, false
}
