package entity

import (
	"sort"
	"strings"
)

// FieldError is one validation failure: Field is a dotted path inside the
// entity ("paths[2]", "healthchecks.active.timeout"), Message says why.
type FieldError struct {
	Field   string
	Message string
}

// Errors is a list of validation failures of one entity. A nil Errors means valid.
type Errors []FieldError

// Error renders every failure as "field: message; ...".
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		if fe.Field == "" {
			parts[i] = fe.Message
		} else {
			parts[i] = fe.Field + ": " + fe.Message
		}
	}
	return strings.Join(parts, "; ")
}

// Add records a failure of field.
func (e *Errors) Add(field, format string) { *e = append(*e, FieldError{field, format}) }

// Err returns e as an error, or nil when there is none.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Fields renders e the way Kong's Admin API does: a nested object keyed by
// field name, leaves holding the message. Indexed paths ("paths[2]") keep the
// index in the key, which is enough for a client to find the value.
func (e Errors) Fields() map[string]any {
	out := map[string]any{}
	sorted := append(Errors(nil), e...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Field < sorted[j].Field })
	for _, fe := range sorted {
		if fe.Field == "" {
			out["@entity"] = appendMsg(out["@entity"], fe.Message)
			continue
		}
		keys := strings.Split(fe.Field, ".")
		m := out
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		last := keys[len(keys)-1]
		if _, exists := m[last]; !exists {
			m[last] = fe.Message
		}
	}
	return out
}

func appendMsg(prev any, msg string) any {
	list, _ := prev.([]string)
	return append(list, msg)
}
