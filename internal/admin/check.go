package admin

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/gantryhq/gantry/internal/entity"
)

// checkRecord compares an input object with rec and records, with Kong's
// messages, every unknown field and every value of the wrong type. Doing
// this before decoding lets one answer name every bad field by its full
// path, instead of encoding/json's first error.
func checkRecord(errs *entity.Errors, path string, rec *field, m map[string]any) {
	for name, v := range m {
		p := join(path, name)
		f, ok := rec.byName[name]
		if !ok {
			errs.Add(p, "unknown field")
			continue
		}
		if v == nil {
			continue // null: the field takes its default
		}
		checkValue(errs, p, f, v)
	}
}

func checkValue(errs *entity.Errors, path string, f *field, v any) {
	switch f.Type {
	case "string":
		if _, ok := v.(string); !ok {
			errs.Add(path, "expected a string")
		}
	case "integer":
		if !isInteger(v) {
			errs.Add(path, "expected an integer")
		}
	case "number":
		if !isNumber(v) {
			errs.Add(path, "expected a number")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs.Add(path, "expected a boolean")
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			errs.Add(path, "expected an array")
			return
		}
		for i, el := range list {
			p := fmt.Sprintf("%s[%d]", path, i) // 0-based, as entity.Validate and the declarative loader count
			if el == nil {
				errs.Add(p, "required field missing")
				continue
			}
			checkValue(errs, p, f.Elem, el)
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			errs.Add(path, "expected a map")
			return
		}
		for k, el := range m {
			if el != nil {
				checkValue(errs, join(path, k), f.Elem, el)
			}
		}
	case "record", "foreign":
		m, ok := v.(map[string]any)
		if !ok {
			errs.Add(path, "expected a record")
			return
		}
		checkRecord(errs, path, f, m)
	case "any":
		if f.Name == "config" {
			if _, ok := v.(map[string]any); !ok {
				errs.Add(path, "expected a record")
			}
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isInteger(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return true
	}
	// 5.0 is an integer to Kong's (Lua) schema too.
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53
}

func isNumber(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && !math.IsInf(f, 0)
}

// normalizeNumbers rewrites integral numbers written as 5.0 to 5 where the
// schema wants an integer, so encoding/json accepts them.
func normalizeNumbers(rec *field, m map[string]any) {
	for name, v := range m {
		f := rec.byName[name]
		if f != nil {
			m[name] = normalizeValue(f, v)
		}
	}
}

func normalizeValue(f *field, v any) any {
	switch f.Type {
	case "integer":
		if n, ok := v.(json.Number); ok {
			if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
				if fl, err := strconv.ParseFloat(string(n), 64); err == nil {
					return json.Number(strconv.FormatInt(int64(fl), 10))
				}
			}
		}
	case "array":
		if list, ok := v.([]any); ok {
			for i := range list {
				list[i] = normalizeValue(f.Elem, list[i])
			}
		}
	case "record":
		if m, ok := v.(map[string]any); ok {
			normalizeNumbers(f, m)
		}
	}
	return v
}

// stripNulls removes null members of records, recursively: a null field
// takes its default, which is what Kong does for fields that have one.
func stripNulls(rec *field, m map[string]any) {
	for name, v := range m {
		if v == nil {
			delete(m, name)
			continue
		}
		if f := rec.byName[name]; f != nil && f.Type == "record" {
			if sub, ok := v.(map[string]any); ok {
				stripNulls(f, sub)
			}
		}
	}
}
