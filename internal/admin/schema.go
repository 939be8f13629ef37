package admin

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// field describes one field of an entity as the Admin API sees it. It is
// derived by reflection from the entity structs, so the accepted input,
// form-value inference and GET /schemas can never drift from the model.
type field struct {
	Name      string
	Type      string // string, integer, number, boolean, array, map, record, foreign, any
	Elem      *field // array elements, map values
	Fields    []*field
	byName    map[string]*field
	Reference entity.Kind // for foreign fields
}

var refType = reflect.TypeOf(entity.Ref{})

// schemaOf returns the record describing kind k.
func schemaOf(k entity.Kind) *field {
	e := entity.New(k)
	if e == nil {
		return nil
	}
	f := fromType(k, "", reflect.TypeOf(e).Elem())
	return f
}

func fromType(k entity.Kind, name string, t reflect.Type) *field {
	for t.Kind() == reflect.Pointer {
		if t.Elem() == refType {
			ref, _ := refKind(k, name)
			return &field{Name: name, Type: "foreign", Reference: ref,
				Fields: []*field{{Name: "id", Type: "string"}},
				byName: map[string]*field{"id": {Name: "id", Type: "string"}}}
		}
		t = t.Elem()
	}
	f := &field{Name: name}
	switch t.Kind() {
	case reflect.String:
		f.Type = "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		f.Type = "integer"
	case reflect.Float64, reflect.Float32:
		f.Type = "number"
	case reflect.Bool:
		f.Type = "boolean"
	case reflect.Slice:
		f.Type = "array"
		f.Elem = fromType(k, "", t.Elem())
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			f.Type = "any"
			return f
		}
		f.Type = "map"
		f.Elem = fromType(k, "", t.Elem())
	case reflect.Struct:
		f.Type = "record"
		f.byName = map[string]*field{}
		addStructFields(k, f, t)
	default:
		f.Type = "any"
	}
	return f
}

// addStructFields adds t's JSON fields to rec, flattening embedded structs
// (Meta) the way encoding/json does.
func addStructFields(k entity.Kind, rec *field, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			addStructFields(k, rec, sf.Type)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		child := fromType(k, name, sf.Type)
		child.Name = name
		rec.Fields = append(rec.Fields, child)
		rec.byName[name] = child
	}
}

// requiredFields lists, per kind, the fields Kong marks required (beyond
// what the zero value of the Go struct can say).
var requiredFields = map[entity.Kind][]string{
	entity.KindService:       {"host"},
	entity.KindUpstream:      {"name"},
	entity.KindTarget:        {"upstream", "target"},
	entity.KindPlugin:        {"name"},
	entity.KindCertificate:   {"cert", "key"},
	entity.KindSNI:           {"name", "certificate"},
	entity.KindCACertificate: {"cert"},
	entity.KindKeyAuth:       {"consumer"},
	entity.KindBasicAuth:     {"consumer", "username", "password"},
	entity.KindJWT:           {"consumer"},
	entity.KindACL:           {"consumer", "group"},
}

// describe renders kind k's schema in a Kong-like form:
// {"fields": [{"name": {"type": "string", "unique": true}}, ...]}.
func describe(k entity.Kind, rec *field, key string) map[string]any {
	var defaults map[string]any
	if b, err := json.Marshal(entity.New(k)); err == nil {
		_ = json.Unmarshal(b, &defaults)
	}
	required := map[string]bool{}
	for _, r := range requiredFields[k] {
		required[r] = true
	}
	fields := make([]any, 0, len(rec.Fields))
	for _, f := range rec.Fields {
		d := describeField(f, defaults[f.Name])
		switch f.Name {
		case "id":
			d["uuid"], d["auto"] = true, true
		case "created_at", "updated_at":
			d["timestamp"], d["auto"] = true, true
		case "url":
			d["shorthand"] = true
		}
		if required[f.Name] {
			d["required"] = true
		}
		if key != "" && f.Name == key {
			d["unique"] = true
		}
		fields = append(fields, map[string]any{f.Name: d})
	}
	return map[string]any{"fields": fields}
}

func describeField(f *field, def any) map[string]any {
	d := map[string]any{"type": f.Type}
	if def != nil && def != "" && f.Type != "record" {
		d["default"] = def
	}
	switch f.Type {
	case "foreign":
		d["reference"] = string(f.Reference)
	case "array":
		d["elements"] = describeField(f.Elem, nil)
	case "map":
		d["keys"] = map[string]any{"type": "string"}
		d["values"] = describeField(f.Elem, nil)
	case "record":
		sub, _ := def.(map[string]any)
		var fields []any
		for _, c := range f.Fields {
			fields = append(fields, map[string]any{c.Name: describeField(c, sub[c.Name])})
		}
		d["fields"] = fields
	}
	return d
}
