// Package transform holds what request-transformer and response-transformer
// share: "name:value" operations parsed once per snapshot and applied, in
// Kong's order (remove, rename, replace, add, append), to headers, query
// strings, form bodies and JSON objects.
package transform

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Pair is one parsed "name:value" (for rename: "old:new"). Typed, when
// set, is the value JSON targets store instead of the string (a number or
// boolean from response-transformer's json_types).
type Pair struct {
	Name, Value string
	Typed       any
}

// Ops is the set of operations on one kind of target (headers, query...).
type Ops struct {
	Remove  []string
	Rename  []Pair
	Replace []Pair
	Add     []Pair
	Append  []Pair
}

// Empty reports whether o does nothing.
func (o *Ops) Empty() bool {
	return len(o.Remove)+len(o.Rename)+len(o.Replace)+len(o.Add)+len(o.Append) == 0
}

// NewOps parses configured lists; they were validated with CheckPairs.
func NewOps(remove, rename, replace, add, appendList []string) Ops {
	return Ops{Remove: remove, Rename: pairs(rename), Replace: pairs(replace), Add: pairs(add), Append: pairs(appendList)}
}

func pairs(list []string) []Pair {
	out := make([]Pair, 0, len(list))
	for _, s := range list {
		name, value, _ := strings.Cut(s, ":")
		out = append(out, Pair{Name: name, Value: value})
	}
	return out
}

// CheckPairs reports entries of list (at config field `field`) that are
// not "name:value" with a non-empty name.
func CheckPairs(errs *entity.Errors, field string, list []string) {
	for i, s := range list {
		name, _, ok := strings.Cut(s, ":")
		if !ok || strings.TrimSpace(name) == "" {
			errs.Add(fmt.Sprintf("%s[%d]", field, i+1), fmt.Sprintf("invalid value: '%s', expected 'name:value'", s))
		}
	}
}

// Bag is a multi-valued string map that operations edit.
type Bag interface {
	Has(name string) bool
	Set(p Pair)
	Del(name string)
	// Rename moves every value of from to to.
	Rename(from, to string)
	// Append adds a value after the existing ones.
	Append(p Pair)
}

// Apply runs o on b in Kong's order and reports whether b changed.
func (o *Ops) Apply(b Bag) bool {
	changed := false
	for _, n := range o.Remove {
		if b.Has(n) {
			b.Del(n)
			changed = true
		}
	}
	for _, p := range o.Rename {
		if b.Has(p.Name) {
			b.Rename(p.Name, p.Value)
			changed = true
		}
	}
	for _, p := range o.Replace {
		if b.Has(p.Name) {
			b.Set(p)
			changed = true
		}
	}
	for _, p := range o.Add {
		if !b.Has(p.Name) {
			b.Set(p)
			changed = true
		}
	}
	for _, p := range o.Append {
		b.Append(p)
		changed = true
	}
	return changed
}
