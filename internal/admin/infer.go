package admin

import (
	"encoding/json"
	"strconv"
	"strings"
)

// inferRecord converts the string leaves of m to the types rec wants.
func inferRecord(rec *field, m map[string]any) map[string]any {
	for k, v := range m {
		if f := rec.byName[k]; f != nil {
			m[k] = infer(f, v)
		}
	}
	return m
}

func infer(f *field, v any) any {
	if s, ok := v.(string); ok && s == "" && f.Type != "string" {
		if f.Type == "array" {
			return []any{}
		}
		return nil
	}
	switch f.Type {
	case "integer", "number":
		if s, ok := v.(string); ok {
			if n, ok := jsonNumber(s); ok {
				return n
			}
		}
	case "boolean":
		if s, ok := v.(string); ok {
			if b, err := strconv.ParseBool(s); err == nil {
				return b
			}
		}
	case "array":
		if s, ok := v.(string); ok {
			v = []any{s}
		}
		if list, ok := v.([]any); ok {
			for i := range list {
				list[i] = infer(f.Elem, list[i])
			}
		}
	case "map":
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				m[k] = infer(f.Elem, m[k])
			}
		}
	case "record", "foreign":
		if m, ok := v.(map[string]any); ok {
			return inferRecord(f, m)
		}
	case "any":
		m, ok := v.(map[string]any)
		if !ok || f.byName == nil {
			return inferLoose(v)
		}
		for k, el := range m {
			if cf := f.byName[k]; cf != nil {
				m[k] = infer(cf, el)
			} else {
				m[k] = inferLoose(el)
			}
		}
	}
	return v
}

// inferLoose guesses types inside plugin config, which has no schema here
// yet: true/false become booleans and numbers become numbers.
func inferLoose(v any) any {
	switch c := v.(type) {
	case string:
		if c == "true" || c == "false" {
			return c == "true"
		}
		if n, ok := jsonNumber(c); ok {
			return n
		}
	case []any:
		for i := range c {
			c[i] = inferLoose(c[i])
		}
	case map[string]any:
		for k := range c {
			c[k] = inferLoose(c[k])
		}
	}
	return v
}

// jsonNumber accepts s only when it is a JSON number literal, so that
// "NaN" or "0x10" stay strings and later fail the type check.
func jsonNumber(s string) (json.Number, bool) {
	if s == "" || !(s[0] == '-' || '0' <= s[0] && s[0] <= '9') || strings.TrimSpace(s) != s {
		return "", false
	}
	if !json.Valid([]byte(s)) {
		return "", false
	}
	return json.Number(s), true
}
