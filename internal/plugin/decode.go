package plugin

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// decode writes src (a config as decoded from JSON or YAML) over dst, a
// pointer to a config struct holding defaults. It never stops at the first
// problem: every unknown field and wrong type is reported, with its path
// below prefix ("config.key_names[1]"), in Kong's wording. A null value
// keeps the default, as Kong does; a null in an unknown field is ignored.
func decode(dst any, src map[string]any, prefix string) entity.Errors {
	var errs entity.Errors
	decodeValue(reflect.ValueOf(dst).Elem(), src, prefix, &errs)
	return errs
}

func decodeValue(dst reflect.Value, src any, path string, errs *entity.Errors) {
	if src == nil {
		if dst.Kind() == reflect.Pointer {
			dst.SetZero()
		}
		return
	}
	switch dst.Kind() {
	case reflect.Pointer:
		v := reflect.New(dst.Type().Elem())
		if !dst.IsNil() {
			v.Elem().Set(dst.Elem())
		}
		before := len(*errs)
		decodeValue(v.Elem(), src, path, errs)
		if len(*errs) == before {
			dst.Set(v)
		}
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			errs.Add(path, "expected a string")
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			errs.Add(path, "expected a boolean")
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		f, ok := number(src)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			errs.Add(path, "expected an integer")
			return
		}
		dst.SetInt(int64(f))
	case reflect.Float64:
		f, ok := number(src)
		if !ok {
			errs.Add(path, "expected a number")
			return
		}
		dst.SetFloat(f)
	case reflect.Slice:
		decodeSlice(dst, src, path, errs)
	case reflect.Map:
		decodeMap(dst, src, path, errs)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			errs.Add(path, "expected a record")
			return
		}
		decodeStruct(dst, m, path, errs)
	case reflect.Interface:
		dst.Set(reflect.ValueOf(src))
	default:
		errs.Add(path, "unsupported field type "+dst.Type().String())
	}
}

func decodeSlice(dst reflect.Value, src any, path string, errs *entity.Errors) {
	list, ok := src.([]any)
	if !ok {
		// YAML decoders and Go callers may hand typed slices.
		rv := reflect.ValueOf(src)
		if rv.Kind() != reflect.Slice {
			errs.Add(path, "expected an array")
			return
		}
		list = make([]any, rv.Len())
		for i := range list {
			list[i] = rv.Index(i).Interface()
		}
	}
	out := reflect.MakeSlice(dst.Type(), len(list), len(list))
	for i, v := range list {
		decodeValue(out.Index(i), v, path+"["+strconv.Itoa(i+1)+"]", errs)
	}
	dst.Set(out)
}

func decodeMap(dst reflect.Value, src any, path string, errs *entity.Errors) {
	m, ok := src.(map[string]any)
	if !ok {
		errs.Add(path, "expected a map")
		return
	}
	out := reflect.MakeMapWithSize(dst.Type(), len(m))
	for k, v := range m {
		ev := reflect.New(dst.Type().Elem()).Elem()
		decodeValue(ev, v, path+"."+k, errs)
		out.SetMapIndex(reflect.ValueOf(k), ev)
	}
	dst.Set(out)
}

func decodeStruct(dst reflect.Value, src map[string]any, path string, errs *entity.Errors) {
	fields := structFields(dst.Type())
	for _, k := range sortedKeys(src) {
		idx, ok := fields[k]
		sub := k
		if path != "" {
			sub = path + "." + k
		}
		if !ok {
			// A null in a field this node does not know is what a newer
			// control plane sends for a field it added: ignore it
			// (docs/design.md, "Apply on the data plane").
			if src[k] != nil {
				errs.Add(sub, "unknown field")
			}
			continue
		}
		decodeValue(dst.Field(idx), src[k], sub, errs)
	}
}

// structFields maps json names to field indexes.
func structFields(t reflect.Type) map[string]int {
	out := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = i
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// number accepts every numeric representation JSON and YAML decoders produce.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
