package entity

import (
	"fmt"
	"strings"
)

// ConfigError is one failure found by (*Config).Validate. Kind and Index
// locate the entity in the Config (Index is its position in the slice of its
// kind), so a loader can map it back to where the entity came from.
type ConfigError struct {
	Kind  Kind
	Index int
	// ID and Key (the endpoint key: name, username, ...) identify the
	// entity for people; either may be empty.
	ID  string
	Key string
	// Field is the path inside the entity ("paths[2]"), "" for the whole entity.
	Field   string
	Message string
}

// Error renders the failure with the entity and field it concerns.
func (e ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s[%d]", e.Kind, e.Index)
	switch {
	case e.Key != "":
		fmt.Fprintf(&b, " (%s)", e.Key)
	case e.ID != "":
		fmt.Fprintf(&b, " (id %s)", e.ID)
	}
	if e.Field != "" {
		b.WriteString(" " + e.Field)
	}
	return b.String() + ": " + e.Message
}

// ConfigErrors is every failure of a configuration, in the order of Kinds,
// then of entities within a kind.
type ConfigErrors struct {
	Errors []ConfigError
}

// Error renders one failure per line, at most 100 of them.
func (e *ConfigErrors) Error() string {
	var lines []string
	for i, ce := range e.Errors {
		if i == 100 {
			lines = append(lines, fmt.Sprintf("... and %d more", len(e.Errors)-100))
			break
		}
		lines = append(lines, ce.Error())
	}
	return fmt.Sprintf("invalid configuration (%d errors):\n  %s", len(e.Errors), strings.Join(lines, "\n  "))
}

// add records a failure of the entity at index i of its kind.
func (e *ConfigErrors) add(ent Entity, i int, field, msg string) {
	e.Errors = append(e.Errors, ConfigError{
		Kind: ent.EntityKind(), Index: i, ID: ent.GetID(), Key: label(ent),
		Field: field, Message: msg,
	})
}

// label is how messages name an entity: its endpoint key, else a plugin's name.
func label(e Entity) string {
	if k := e.EndpointKey(); k != "" {
		return k
	}
	if p, ok := e.(*Plugin); ok {
		return p.Name
	}
	return ""
}
