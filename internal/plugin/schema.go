package plugin

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Helpers for ConfigValidator implementations, producing Kong's messages.

// CheckHeaderName reports name when it is not a valid header name.
func CheckHeaderName(errs *entity.Errors, field, name string) {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		errs.Add(field, fmt.Sprintf("bad header name '%s', allowed characters are A-Z, a-z, 0-9, '_', and '-'", name))
	}
}

// AtLeastOneOf is Kong's message when none of fields (names below
// config) is set. Report it on the config as a whole (field "").
func AtLeastOneOf(fields ...string) string {
	return "at least one of these fields must be non-empty: " + quoteFields(fields)
}

// OnlyOneOf is Kong's message when more than one of fields is set.
func OnlyOneOf(fields ...string) string {
	return "only one of these fields must be non-empty: " + quoteFields(fields)
}

func quoteFields(fields []string) string {
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = "'config." + f + "'"
	}
	return strings.Join(q, ", ")
}

// OneOf reports value when it is not one of allowed.
func OneOf(errs *entity.Errors, field, value string, allowed ...string) {
	for _, a := range allowed {
		if a == value {
			return
		}
	}
	errs.Add(field, "expected one of: "+strings.Join(allowed, ", "))
}
