package admin

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// maxFormDepth bounds how deep a form key may nest (a.b[1].c ...); real
// entities need a handful of levels, and the bound keeps the recursive
// steps after parsing shallow whatever the input.
const maxFormDepth = 32

// indexed collects form values written hosts[1]=a&hosts[2]=b; it becomes
// an array ordered by index once the whole form is read.
type indexed map[int]any

// formToMap turns form values into the object a JSON body would have been,
// following Kong's conventions: hosts=a&hosts=b and hosts[]=a give arrays,
// hosts[1]=a gives an indexed array, config.minute=5 and service.id=…
// give nested objects. Strings are then converted to the type rec expects
// ("5" to 5 for an integer field); an empty value means null.
func formToMap(rec *field, vals url.Values) (map[string]any, entity.Errors) {
	var errs entity.Errors
	root := map[string]any{}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		segs := parseFormKey(k)
		if len(segs) == 0 || len(segs) > maxFormDepth {
			errs.Add(k, "invalid form field name: use name, name[], name[1] or name.sub, at most 32 levels deep")
			continue
		}
		if !setFormValue(root, segs, vals[k]) {
			errs.Add(strings.Join(segs, "."), "conflicting form values for this field")
		}
	}
	out := finalize(root).(map[string]any)
	return inferRecord(rec, out), errs
}

// parseFormKey splits "headers.x-a[]" into ["headers", "x-a", "[]"] and
// "hosts[2]" into ["hosts", "[2]"].
func parseFormKey(k string) []string {
	var segs []string
	for _, part := range strings.Split(k, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" {
			return nil
		}
		segs = append(segs, name)
		if rest == "" && !strings.Contains(part, "[") {
			continue
		}
		for _, idx := range strings.Split("["+rest, "]") {
			if idx == "" {
				continue
			}
			if !strings.HasPrefix(idx, "[") {
				return nil
			}
			segs = append(segs, idx+"]")
		}
	}
	return segs
}

// setFormValue stores vals at segs under m; false when the path collides
// with a value of another shape (hosts=a and hosts.x=b).
func setFormValue(m map[string]any, segs []string, vals []string) bool {
	var cur any = m
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if strings.HasPrefix(seg, "[") {
				return false
			}
			if last {
				return putLeaf(c, seg, vals)
			}
			next, ok := c[seg]
			if !ok {
				next = container(segs[i+1])
				c[seg] = next
			}
			cur = next
		case indexed:
			n, err := strconv.Atoi(strings.Trim(seg, "[]"))
			if seg == "[]" || err != nil {
				return false
			}
			if last {
				c[n] = vals[len(vals)-1]
				return true
			}
			next, ok := c[n]
			if !ok {
				next = container(segs[i+1])
				c[n] = next
			}
			cur = next
		case *[]any:
			if seg != "[]" || !last {
				return false
			}
			for _, v := range vals {
				*c = append(*c, v)
			}
			return true
		default:
			return false
		}
	}
	return true
}

// container makes the value that will hold the segment after it.
func container(nextSeg string) any {
	switch {
	case nextSeg == "[]":
		return &[]any{}
	case strings.HasPrefix(nextSeg, "["):
		return indexed{}
	}
	return map[string]any{}
}

func putLeaf(m map[string]any, name string, vals []string) bool {
	if _, exists := m[name]; exists {
		return false
	}
	if len(vals) == 1 {
		m[name] = vals[0]
		return true
	}
	list := make([]any, len(vals))
	for i, v := range vals {
		list[i] = v
	}
	m[name] = list
	return true
}

// finalize turns the building types (indexed, *[]any) into plain arrays.
func finalize(v any) any {
	switch c := v.(type) {
	case map[string]any:
		for k, el := range c {
			c[k] = finalize(el)
		}
		return c
	case *[]any:
		for i, el := range *c {
			(*c)[i] = finalize(el)
		}
		return *c
	case indexed:
		idx := make([]int, 0, len(c))
		for n := range c {
			idx = append(idx, n)
		}
		sort.Ints(idx)
		out := make([]any, len(idx))
		for i, n := range idx {
			out[i] = finalize(c[n])
		}
		return out
	}
	return v
}
