package declarative

import (
	"math"
	"reflect"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// decoder decodes nodes into entity structs by their json tags, strictly:
// an unknown field or a value of the wrong type is a problem at its path.
type decoder struct {
	opts   Options
	probs  *problems
	fields map[reflect.Type]map[string][]int // json name -> field index, per struct type
}

var refType = reflect.TypeOf(entity.Ref{})

func newDecoder(opts Options, probs *problems) *decoder {
	return &decoder{opts: opts, probs: probs, fields: map[reflect.Type]map[string][]int{}}
}

// structFields maps json names to field indexes, embedded structs flattened.
func (d *decoder) structFields(t reflect.Type) map[string][]int {
	if m, ok := d.fields[t]; ok {
		return m
	}
	m := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for name, idx := range d.structFields(f.Type) {
				m[name] = append([]int{i}, idx...)
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.IsExported() {
			m[name] = []int{i}
		}
	}
	d.fields[t] = m
	return m
}

// unknown reports an unknown field unless it may be ignored: the data plane
// ignores null fields that a newer control plane knows and it does not.
func (d *decoder) unknown(path string, f field) {
	if d.opts.IgnoreUnknownNull && f.val.isNull() {
		return
	}
	d.probs.atLine(keyPath(path, f.key), f.line, f.col, "unknown field")
}

// decodeStruct decodes map node n into the struct v, leaving out the keys
// in skip (nested entities, handled by the caller). It returns the keys
// whose value was wrong, so later validation does not report them twice.
func (d *decoder) decodeStruct(n *node, path string, v reflect.Value, skip map[string]bool) map[string]bool {
	bad := map[string]bool{}
	if n.kind != kindMap {
		d.probs.at(path, n, "expected a record (got %s)", n.describe())
		bad[""] = true
		return bad
	}
	fields := d.structFields(v.Type())
	for _, f := range n.fields {
		if skip[f.key] {
			continue
		}
		idx, ok := fields[f.key]
		if !ok {
			d.unknown(path, f)
			bad[f.key] = true
			continue
		}
		if f.val.isNull() {
			continue // null keeps the default, as in Kong
		}
		if !d.decode(f.val, keyPath(path, f.key), v.FieldByIndex(idx)) {
			bad[f.key] = true
		}
	}
	return bad
}

// decode decodes n into v and reports whether it could.
func (d *decoder) decode(n *node, path string, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decode(n, path, v.Elem())
	case reflect.Struct:
		if v.Type() == refType {
			return d.decodeRef(n, path, v)
		}
		return len(d.decodeStruct(n, path, v, nil)) == 0
	case reflect.String:
		s, ok := n.value.(string)
		if !ok || n.kind != kindScalar {
			return d.wrong(n, path, "a string")
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		i, ok := asInt(n)
		if !ok {
			return d.wrong(n, path, "an integer")
		}
		v.SetInt(i)
	case reflect.Float64:
		f, ok := asFloat(n)
		if !ok {
			return d.wrong(n, path, "a number")
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, ok := n.value.(bool)
		if !ok || n.kind != kindScalar {
			return d.wrong(n, path, "a boolean")
		}
		v.SetBool(b)
	case reflect.Slice:
		return d.decodeSlice(n, path, v)
	case reflect.Map:
		return d.decodeMap(n, path, v)
	case reflect.Interface:
		val, ok := d.generic(n, path)
		if ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
		return ok
	default:
		d.probs.at(path, n, "field cannot be decoded")
		return false
	}
	return true
}

// wrong records Kong's type message and returns false.
func (d *decoder) wrong(n *node, path, want string) bool {
	d.probs.at(path, n, "expected %s (got %s)", want, n.describe())
	return false
}

func (d *decoder) decodeSlice(n *node, path string, v reflect.Value) bool {
	if n.kind != kindSeq {
		return d.wrong(n, path, "an array")
	}
	out := reflect.MakeSlice(v.Type(), len(n.items), len(n.items))
	ok := true
	for i, item := range n.items {
		p := indexPath(path, i)
		if item.isNull() {
			ok = d.wrong(item, p, "a value") && ok
			continue
		}
		ok = d.decode(item, p, out.Index(i)) && ok
	}
	v.Set(out)
	return ok
}

// decodeMap decodes a map with string keys. A []string value also accepts a
// single string (route headers: {x-version: "1"}).
func (d *decoder) decodeMap(n *node, path string, v reflect.Value) bool {
	if n.kind != kindMap {
		return d.wrong(n, path, "a map")
	}
	out := reflect.MakeMapWithSize(v.Type(), len(n.fields))
	elem := v.Type().Elem()
	ok := true
	for _, f := range n.fields {
		p := keyPath(path, f.key)
		ev := reflect.New(elem).Elem()
		switch {
		case elem.Kind() == reflect.Slice && elem.Elem().Kind() == reflect.String && f.val.kind == kindScalar && !f.val.isNull():
			s, isStr := f.val.value.(string)
			if !isStr {
				ok = d.wrong(f.val, p, "a string or an array of strings")
				continue
			}
			ev = reflect.ValueOf([]string{s})
		case f.val.isNull() && elem.Kind() != reflect.Interface:
			ok = d.wrong(f.val, p, "a value")
			continue
		default:
			if !d.decode(f.val, p, ev) {
				ok = false
				continue
			}
		}
		out.SetMapIndex(reflect.ValueOf(f.key), ev)
	}
	v.Set(out)
	return ok
}

// decodeRef accepts a reference as Kong writes it: a name or id string, or
// a record {id: ...} (also {name: ...}).
func (d *decoder) decodeRef(n *node, path string, v reflect.Value) bool {
	if s, ok := n.value.(string); ok && n.kind == kindScalar {
		v.Set(reflect.ValueOf(entity.Ref{ID: s}))
		return true
	}
	if n.kind != kindMap {
		return d.wrong(n, path, "a name, an id or a record {id: ...}")
	}
	var id string
	ok := true
	for _, f := range n.fields {
		if f.key != "id" && f.key != "name" {
			d.unknown(path, f)
			ok = false
			continue
		}
		s, isStr := f.val.value.(string)
		if !isStr || f.val.kind != kindScalar {
			ok = d.wrong(f.val, keyPath(path, f.key), "a string")
			continue
		}
		id = s
	}
	if id == "" && ok {
		d.probs.at(path, n, "a reference needs 'id' (or 'name')")
		return false
	}
	v.Set(reflect.ValueOf(entity.Ref{ID: id}))
	return ok
}

// generic converts n to what encoding/json would decode from the same
// value (float64 numbers, map[string]any, []any), so a plugin config is
// the same whether it came from YAML, JSON or the Admin API.
func (d *decoder) generic(n *node, path string) (any, bool) {
	switch n.kind {
	case kindMap:
		m := make(map[string]any, len(n.fields))
		ok := true
		for _, f := range n.fields {
			v, fok := d.generic(f.val, keyPath(path, f.key))
			ok = ok && fok
			m[f.key] = v
		}
		return m, ok
	case kindSeq:
		list := make([]any, len(n.items))
		ok := true
		for i, item := range n.items {
			v, iok := d.generic(item, indexPath(path, i))
			ok = ok && iok
			list[i] = v
		}
		return list, ok
	}
	switch v := n.value.(type) {
	case int64, uint64, float64:
		f, _ := asFloat(n)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			d.probs.at(path, n, "expected a number (infinity and NaN are not allowed)")
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
