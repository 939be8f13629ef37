package declarative

import (
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
	// stack is the place being decoded, rendered only when a problem needs
	// it: a large config has millions of places and few problems.
	stack []pathElem
}

// pathElem is one step of a document path: a map key, or a list index.
type pathElem struct {
	key string
	idx int // >= 0 for a list index
}

func (d *decoder) pushKey(key string) { d.stack = append(d.stack, pathElem{key: key, idx: -1}) }
func (d *decoder) pushIndex(i int)    { d.stack = append(d.stack, pathElem{idx: i}) }
func (d *decoder) pop()               { d.stack = d.stack[:len(d.stack)-1] }

// here renders the current path.
func (d *decoder) here() string {
	path := ""
	for _, e := range d.stack {
		if e.idx >= 0 {
			path = indexPath(path, e.idx)
		} else {
			path = keyPath(path, e.key)
		}
	}
	return path
}

// at records a problem at the current path, positioned at n.
func (d *decoder) at(n *node, format string, args ...any) { d.probs.at(d.here(), n, format, args...) }

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

// unknown reports an unknown field unless it may be ignored (the data plane
// ignores null fields that a newer control plane knows and it does not),
// and says whether it did. An ignored field is not an error: it must not
// hide what validation finds in the record holding it.
func (d *decoder) unknown(f field) bool {
	if d.opts.IgnoreUnknownNull && f.val.isNull() {
		return false
	}
	d.probs.atLine(keyPath(d.here(), f.key), f.line, f.col, "unknown field")
	return true
}

// decodeStruct decodes map node n into the struct v, leaving out the keys
// in skip (nested entities, handled by the caller). It returns the keys
// whose value was wrong, so later validation does not report them twice.
func (d *decoder) decodeStruct(n *node, v reflect.Value, skip map[string]bool) map[string]bool {
	bad := map[string]bool{}
	if n.kind != kindMap {
		d.at(n, "expected a record (got %s)", n.describe())
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
			if d.unknown(f) {
				bad[f.key] = true
			}
			continue
		}
		if f.val.isNull() {
			continue // null keeps the default, as in Kong
		}
		d.pushKey(f.key)
		if !d.decode(f.val, v.FieldByIndex(idx)) {
			bad[f.key] = true
		}
		d.pop()
	}
	return bad
}

// decode decodes n into v and reports whether it could.
func (d *decoder) decode(n *node, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decode(n, v.Elem())
	case reflect.Struct:
		if v.Type() == refType {
			return d.decodeRef(n, v)
		}
		return len(d.decodeStruct(n, v, nil)) == 0
	case reflect.String:
		s, ok := n.value.(string)
		if !ok || n.kind != kindScalar {
			return d.wrong(n, "a string")
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		i, ok := asInt(n)
		if !ok {
			return d.wrong(n, "an integer")
		}
		v.SetInt(i)
	case reflect.Float64:
		f, ok := asFloat(n)
		if !ok {
			return d.wrong(n, "a number")
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, ok := n.value.(bool)
		if !ok || n.kind != kindScalar {
			return d.wrong(n, "a boolean")
		}
		v.SetBool(b)
	case reflect.Slice:
		return d.decodeSlice(n, v)
	case reflect.Map:
		return d.decodeMap(n, v)
	case reflect.Interface:
		val, ok := d.generic(n)
		if ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
		return ok
	default:
		d.at(n, "field cannot be decoded")
		return false
	}
	return true
}

// wrong records Kong's type message and returns false.
func (d *decoder) wrong(n *node, want string) bool {
	d.at(n, "expected %s (got %s)", want, n.describe())
	return false
}

func (d *decoder) decodeSlice(n *node, v reflect.Value) bool {
	if n.kind != kindSeq {
		return d.wrong(n, "an array")
	}
	out := reflect.MakeSlice(v.Type(), len(n.items), len(n.items))
	ok := true
	for i, item := range n.items {
		d.pushIndex(i)
		if item.isNull() {
			ok = d.wrong(item, "a value") && ok
		} else {
			ok = d.decode(item, out.Index(i)) && ok
		}
		d.pop()
	}
	v.Set(out)
	return ok
}

// decodeMap decodes a map with string keys. A []string value also accepts a
// single string (route headers: {x-version: "1"}).
func (d *decoder) decodeMap(n *node, v reflect.Value) bool {
	if n.kind != kindMap {
		return d.wrong(n, "a map")
	}
	out := reflect.MakeMapWithSize(v.Type(), len(n.fields))
	elem := v.Type().Elem()
	ok := true
	for _, f := range n.fields {
		d.pushKey(f.key)
		if ev, fok := d.mapValue(f.val, elem); fok {
			out.SetMapIndex(reflect.ValueOf(f.key), ev)
		} else {
			ok = false
		}
		d.pop()
	}
	v.Set(out)
	return ok
}

// mapValue decodes one value of a map whose values are of type elem.
func (d *decoder) mapValue(n *node, elem reflect.Type) (reflect.Value, bool) {
	ev := reflect.New(elem).Elem()
	switch {
	case elem.Kind() == reflect.Slice && elem.Elem().Kind() == reflect.String && n.kind == kindScalar && !n.isNull():
		s, isStr := n.value.(string)
		if !isStr {
			return ev, d.wrong(n, "a string or an array of strings")
		}
		return reflect.ValueOf([]string{s}), true
	case n.isNull() && elem.Kind() != reflect.Interface:
		return ev, d.wrong(n, "a value")
	}
	return ev, d.decode(n, ev)
}
