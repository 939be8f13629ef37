package router

import (
	"bytes"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/yield"
)

// entry is a matcher filed under a path prefix in a host bucket.
type entry struct {
	m     *matcher
	rank  int32  // m.rank, here for the scan: lower is better
	port  uint16 // port the host that filed it here requires; 0: any
	regex int16  // index in matcher.regexes to run; -1: the key is the whole check
}

// pathTrie is a radix tree of path prefixes. Each node holds the entries
// whose path key is exactly the concatenation of labels from the root:
// a prefix path, the literal start of an anchored regex, or "" for routes
// without paths and regexes without a literal start.
type pathTrie struct {
	label    string
	first    []byte // first byte of each child's label, for the lookup scan
	children []*pathTrie
	entries  []entry
	hdr      *headerIndex // entries again, split by header value; nil for few entries
}

// insert files e under key.
func (n *pathTrie) insert(key string, e entry) {
	for {
		if key == "" {
			n.entries = append(n.entries, e)
			return
		}
		i := bytes.IndexByte(n.first, key[0])
		if i < 0 {
			n.addChild(&pathTrie{label: key, entries: []entry{e}})
			return
		}
		c := n.children[i]
		common := commonPrefix(c.label, key)
		if common < len(c.label) {
			// Split c: a new node holds the shared part.
			mid := &pathTrie{label: c.label[:common]}
			c.label = c.label[common:]
			mid.addChild(c)
			n.children[i] = mid
			c = mid
		}
		n, key = c, key[common:]
	}
}

func (n *pathTrie) addChild(c *pathTrie) {
	n.first = append(n.first, c.label[0])
	n.children = append(n.children, c)
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// finish orders every node's entries by rank, best first, which the
// lookup relies on to stop early, and indexes crowded nodes by header.
// y yields between nodes.
func (n *pathTrie) finish(y *yield.Point) {
	y.Tick()
	slices.SortFunc(n.entries, func(a, b entry) int { return cmpInt(int(a.rank), int(b.rank)) })
	n.hdr = buildHeaderIndex(n.entries)
	for _, c := range n.children {
		c.finish(y)
	}
}

// child returns the child of n whose label path continues with, and the
// rest of path after that label, or nil.
func (n *pathTrie) child(path string) (*pathTrie, string) {
	if path == "" {
		return nil, ""
	}
	i := bytes.IndexByte(n.first, path[0])
	if i < 0 {
		return nil, ""
	}
	c := n.children[i]
	if !strings.HasPrefix(path, c.label) {
		return nil, ""
	}
	return c, path[len(c.label):]
}
