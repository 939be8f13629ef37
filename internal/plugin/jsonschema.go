package plugin

import (
	"reflect"
	"strings"
)

// Schema describes a plugin's entity the way Kong's GET
// /schemas/plugins/{name} does: the scoping fields and a "config" record
// listing every field with its type and default. ok is false for a plugin
// r does not load.
func (r *Registry) Schema(name string) (schema map[string]any, ok bool) {
	p, ok := r.plugins[name]
	if !ok {
		return nil, false
	}
	def := reflect.ValueOf(p.newConfig()).Elem()
	config := recordSchema(def)
	config["required"] = true
	consumer := map[string]any{"type": "foreign", "reference": "consumers"}
	if p.noConsumer {
		consumer["eq"] = nil
	}
	return map[string]any{"fields": []any{
		map[string]any{"consumer": consumer},
		map[string]any{"route": map[string]any{"type": "foreign", "reference": "routes"}},
		map[string]any{"service": map[string]any{"type": "foreign", "reference": "services"}},
		map[string]any{"protocols": map[string]any{
			"type": "set", "default": p.protocols, "required": true,
			"elements": map[string]any{"type": "string", "one_of": p.protocols},
		}},
		map[string]any{"enabled": map[string]any{"type": "boolean", "default": true}},
		map[string]any{"config": config},
	}}, true
}

// recordSchema lists the fields of a struct value (holding defaults).
func recordSchema(v reflect.Value) map[string]any {
	var fields []any
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		fields = append(fields, map[string]any{name: fieldSchema(v.Field(i))})
	}
	return map[string]any{"type": "record", "fields": fields}
}

func fieldSchema(v reflect.Value) map[string]any {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v = reflect.Zero(t.Elem())
			s := fieldSchema(v)
			delete(s, "default")
			return s
		}
		v = v.Elem()
		t = v.Type()
	}
	s := map[string]any{}
	switch t.Kind() {
	case reflect.String:
		s["type"] = "string"
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		s["type"] = "integer"
	case reflect.Float64:
		s["type"] = "number"
	case reflect.Slice:
		s["type"] = "array"
		s["elements"] = fieldSchema(reflect.Zero(t.Elem()))
		delete(s["elements"].(map[string]any), "default")
	case reflect.Map:
		s["type"] = "map"
		s["keys"] = map[string]any{"type": "string"}
		s["values"] = fieldSchema(reflect.Zero(t.Elem()))
	case reflect.Struct:
		return recordSchema(v)
	default:
		s["type"] = "any"
	}
	if t.Kind() != reflect.Map && !(t.Kind() == reflect.Slice && v.IsNil()) {
		s["default"] = v.Interface()
	}
	return s
}
