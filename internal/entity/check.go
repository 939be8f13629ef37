package entity

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kong's limits, shared by several entities.
const (
	maxTimeout = 1<<31 - 2 // timeouts: 1..2^31-2 ms
	maxRetries = 32767
	maxPort    = 65535
)

// Protocols lists every protocol Kong 3.x knows, in Kong's order (the
// order of its "expected one of" messages).
var Protocols = []string{"grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp", "ws", "wss"}

// errorf records a formatted failure of field.
func (e *Errors) errorf(field, format string, args ...any) {
	e.Add(field, fmt.Sprintf(format, args...))
}

// between records Kong's range message when v is outside [lo, hi].
func (e *Errors) between(field string, v, lo, hi int) {
	if v < lo || v > hi {
		e.errorf(field, "value should be between %d and %d", lo, hi)
	}
}

// betweenFloat is between for numbers.
func (e *Errors) betweenFloat(field string, v, lo, hi float64) {
	if v < lo || v > hi {
		e.errorf(field, "value should be between %g and %g", lo, hi)
	}
}

// oneOf records Kong's enum message when v is not in allowed.
func (e *Errors) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	e.errorf(field, "expected one of: %s", strings.Join(allowed, ", "))
}

// required records Kong's message for an empty mandatory field.
func (e *Errors) required(field, v string) bool {
	if strings.TrimSpace(v) == "" {
		e.Add(field, "required field missing")
		return false
	}
	return true
}

// mustBeNull records Kong's message for a field not allowed in this context.
func (e *Errors) mustBeNull(field string) { e.Add(field, "value must be null") }

// meta checks the fields every entity has: a UUID id and printable tags.
func (e *Errors) meta(m *Meta) {
	if m.ID != "" && !IsUUID(m.ID) {
		e.Add("id", "expected a valid UUID")
	}
	for i, t := range m.Tags {
		if !validTag(t) {
			e.errorf(index("tags", i), "invalid tag '%s': expected printable ascii (except `,` and `/`) or valid utf-8 sequences", t)
		}
	}
}

// ref checks an optional reference: when present it must carry an id.
func (e *Errors) ref(field string, r *Ref) {
	if r != nil && strings.TrimSpace(r.ID) == "" {
		e.Add(field+".id", "required field missing")
	}
}

// requiredRef checks a mandatory reference.
func (e *Errors) requiredRef(field string, r *Ref) {
	if r == nil {
		e.Add(field, "required field missing")
		return
	}
	e.ref(field, r)
}

// name checks Kong's utf8_name rule used by service, route and instance names.
func (e *Errors) name(field, v string) {
	if v == "" {
		return
	}
	for _, r := range v {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_~", r)) {
			e.errorf(field, "invalid value '%s': it must only contain alphanumeric and '., -, _, ~' characters", v)
			return
		}
	}
}

// protocols checks a list of protocol names.
func (e *Errors) protocols(field string, ps []string) {
	for i, p := range ps {
		e.oneOf(index(field, i), p, Protocols...)
	}
}

// index renders "field[i]".
func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// IsUUID reports whether s is a UUID in its canonical 8-4-4-4-12 hex form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func validTag(t string) bool {
	if t == "" || !utf8.ValidString(t) {
		return false
	}
	for _, r := range t {
		if r == ',' || r == '/' || r < 0x21 || r == 0x7f {
			return false
		}
	}
	return true
}

// emptyToNil makes empty slices nil so equal configurations compare equal.
func emptyToNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// trimAll trims spaces of every element.
func trimAll(s []string) []string {
	for i := range s {
		s[i] = strings.TrimSpace(s[i])
	}
	return emptyToNil(s)
}
