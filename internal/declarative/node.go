package declarative

import (
	"strconv"
	"strings"
)

// nodeKind is the shape of a document node.
type nodeKind int

const (
	kindScalar nodeKind = iota
	kindMap
	kindSeq
)

// node is one value of a parsed document, YAML or JSON alike, with the
// position it came from. Decoding works on nodes so every error can name
// its line.
type node struct {
	kind   nodeKind
	line   int
	col    int
	fields []field // kindMap, in document order
	items  []*node // kindSeq
	value  any     // kindScalar: nil, bool, int64, uint64, float64 or string
	text   string  // kindScalar: the source text (tells "3.0" from 3)
	size   int     // nodes in this subtree, aliases expanded
}

// field is one key of a map node.
type field struct {
	key  string
	line int
	col  int
	val  *node
}

// isNull reports whether n is an explicit null.
func (n *node) isNull() bool { return n == nil || n.kind == kindScalar && n.value == nil }

// get returns the value of key in a map node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindMap {
		return nil
	}
	for _, f := range n.fields {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

// getFold is get with a case-insensitive key (header names are normalized).
func (n *node) getFold(key string) *node {
	if v := n.get(key); v != nil {
		return v
	}
	if n == nil || n.kind != kindMap {
		return nil
	}
	for _, f := range n.fields {
		if strings.EqualFold(f.key, key) {
			return f.val
		}
	}
	return nil
}

// describe names n's type for "expected a string, got ..." messages.
func (n *node) describe() string {
	switch {
	case n.kind == kindMap:
		return "a record"
	case n.kind == kindSeq:
		return "an array"
	}
	switch n.value.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return "a number"
}

// lookup follows an entity field path ("paths[2]", "healthchecks.active.timeout",
// "headers.x-a") from n and returns the deepest node it reaches.
func (n *node) lookup(path string) *node {
	cur := n
	if path == "" {
		return cur
	}
	for _, seg := range strings.Split(path, ".") {
		name, idx := splitIndexes(seg)
		next := cur.getFold(name)
		if next == nil {
			return cur
		}
		cur = next
		for _, i := range idx {
			if cur.kind != kindSeq || i >= len(cur.items) {
				return cur
			}
			cur = cur.items[i]
		}
	}
	return cur
}

// splitIndexes splits "paths[2][0]" into "paths" and [2 0].
func splitIndexes(seg string) (string, []int) {
	name, rest, found := strings.Cut(seg, "[")
	if !found {
		return seg, nil
	}
	var idx []int
	for _, part := range strings.Split(rest, "[") {
		i, err := strconv.Atoi(strings.TrimSuffix(part, "]"))
		if err != nil {
			break
		}
		idx = append(idx, i)
	}
	return name, idx
}

// indexPath renders "path[i]".
func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// keyPath renders "path.key" ("key" at the top).
func keyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
