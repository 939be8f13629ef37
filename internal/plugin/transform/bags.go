package transform

import (
	"net/http"
	"net/url"
)

// Header edits an http.Header; names are case-insensitive.
type Header http.Header

// Has reports whether the header is present.
func (h Header) Has(n string) bool { return len(http.Header(h).Values(n)) > 0 }

// Set replaces every value of the header.
func (h Header) Set(p Pair) { http.Header(h).Set(p.Name, p.Value) }

// Del removes the header.
func (h Header) Del(n string) { http.Header(h).Del(n) }

// Append adds one more value (a repeated header).
func (h Header) Append(p Pair) { http.Header(h).Add(p.Name, p.Value) }

// Rename moves every value to the new name.
func (h Header) Rename(from, to string) {
	vals := http.Header(h).Values(from)
	http.Header(h).Del(from)
	for _, v := range vals {
		http.Header(h).Add(to, v)
	}
}

// Values edits query arguments or a form body; names are case-sensitive.
type Values url.Values

// Has reports whether the argument is present.
func (q Values) Has(n string) bool { return url.Values(q).Has(n) }

// Set replaces every value of the argument.
func (q Values) Set(p Pair) { url.Values(q).Set(p.Name, p.Value) }

// Del removes the argument.
func (q Values) Del(n string) { url.Values(q).Del(n) }

// Append adds one more value (a repeated argument).
func (q Values) Append(p Pair) { url.Values(q).Add(p.Name, p.Value) }

// Rename moves every value to the new name, after those already there.
func (q Values) Rename(from, to string) {
	q[to] = append(q[to], q[from]...)
	delete(q, from)
}

// JSON edits a decoded JSON object's top-level keys; values are strings
// unless a Pair carries a Typed value.
type JSON map[string]any

// Has reports whether the key is present (even with a null value).
func (j JSON) Has(n string) bool { _, ok := j[n]; return ok }

// Set replaces the key's value.
func (j JSON) Set(p Pair) { j[p.Name] = value(p) }

// Del removes the key.
func (j JSON) Del(n string) { delete(j, n) }

// Rename moves a value under a new key.
func (j JSON) Rename(from, to string) {
	j[to] = j[from]
	delete(j, from)
}

// Append adds to an array, turning a single value into an array first and
// creating [value] when the key is absent, as Kong does.
func (j JSON) Append(p Pair) {
	v := value(p)
	switch cur := j[p.Name].(type) {
	case nil:
		j[p.Name] = []any{v}
	case []any:
		j[p.Name] = append(cur, v)
	default:
		j[p.Name] = []any{cur, v}
	}
}

func value(p Pair) any {
	if p.Typed != nil {
		return p.Typed
	}
	return p.Value
}
