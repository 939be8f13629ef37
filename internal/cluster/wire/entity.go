package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// decodeEntity decodes one entity of kind k strictly, over its defaults. A
// top-level field this node does not know is ignored when it is null (a
// newer control plane may send fields as null when unused) and an error
// otherwise, naming the field.
func decodeEntity(k entity.Kind, raw []byte) (entity.Entity, error) {
	e := entity.New(k)
	if e == nil {
		return nil, fmt.Errorf("unknown entity kind %q", k)
	}
	err := strictDecode(raw, e)
	if err == nil {
		return checkID(e)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return nil, err
	}
	known := jsonFields(reflect.TypeOf(e).Elem())
	for name, v := range fields {
		if !known[name] {
			if string(bytes.TrimSpace(v)) != "null" {
				return nil, fmt.Errorf("unknown field %q", name)
			}
			delete(fields, name)
		}
	}
	cleaned, merr := json.Marshal(fields)
	if merr != nil {
		return nil, err
	}
	e = entity.New(k)
	if err := strictDecode(cleaned, e); err != nil {
		return nil, err
	}
	return checkID(e)
}

func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the entity")
	}
	return nil
}

func checkID(e entity.Entity) (entity.Entity, error) {
	if e.GetID() == "" {
		return nil, errors.New("entity without an id")
	}
	return e, nil
}

// jsonFields returns the JSON names of t's fields, embedded structs included.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for n := range jsonFields(f.Type) {
				out[n] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if name != "-" {
			out[name] = true
		}
	}
	return out
}
