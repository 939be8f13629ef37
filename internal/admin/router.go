package admin

import (
	"net/http"
	"net/url"
	"strings"
)

// handlerFunc answers one request. It returns the status and a body to
// render as JSON (nil for none), or an error for the one renderer.
type handlerFunc func(r *http.Request, p params) (int, any, error)

// params holds the values of a route's {name} segments, unescaped.
type params map[string]string

// router is a small segment trie: literal segments win over {param}
// segments, so /plugins/enabled beats /plugins/{id}. Unlike http.ServeMux it
// lets every miss (404) and wrong method (405) answer in Kong's JSON shape.
type router struct {
	root *node
}

type node struct {
	literal map[string]*node
	param   *node
	methods map[string]endpoint
}

// endpoint is a handler with the names of its pattern's {param} segments,
// in order: patterns sharing a trie path may name their params differently.
type endpoint struct {
	fn    handlerFunc
	names []string
	// successor, when set, marks the endpoint deprecated in favour of that path.
	successor string
}

func newRouter() *router { return &router{root: &node{}} }

// handle registers h for method on pattern ("/services/{id}/routes").
// Registering the same method and pattern twice replaces the first.
func (rt *router) handle(method, pattern string, h handlerFunc) {
	n := rt.root
	var names []string
	for _, seg := range splitPath(pattern) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if n.param == nil {
				n.param = &node{}
			}
			names = append(names, seg[1:len(seg)-1])
			n = n.param
			continue
		}
		if n.literal == nil {
			n.literal = map[string]*node{}
		}
		next, ok := n.literal[seg]
		if !ok {
			next = &node{}
			n.literal[seg] = next
		}
		n = next
	}
	if n.methods == nil {
		n.methods = map[string]endpoint{}
	}
	n.methods[method] = endpoint{fn: h, names: names}
}

// deprecate marks method on pattern (already registered) as deprecated in
// favour of successor: answers carry Deprecation and Link headers, and the
// node logs a warning the first time a client calls it.
func (rt *router) deprecate(method, pattern, successor string) {
	n, _ := rt.lookup(pattern)
	ep := n.methods[method]
	ep.successor = successor
	n.methods[method] = ep
}

// lookup finds the node for path and the param values along the way, in
// path order.
func (rt *router) lookup(path string) (*node, []string) {
	segs := splitPath(path)
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	var vals []string
	n := match(rt.root, segs, &vals)
	return n, vals
}

func match(n *node, segs []string, vals *[]string) *node {
	if len(segs) == 0 {
		if n.methods == nil {
			return nil
		}
		return n
	}
	if next, ok := n.literal[segs[0]]; ok {
		if found := match(next, segs[1:], vals); found != nil {
			return found
		}
	}
	if n.param != nil && segs[0] != "" {
		mark := len(*vals)
		*vals = append(*vals, segs[0])
		if found := match(n.param, segs[1:], vals); found != nil {
			return found
		}
		*vals = (*vals)[:mark]
	}
	return nil
}

// bind names the values lookup found.
func (ep endpoint) bind(vals []string) params {
	p := make(params, len(vals))
	for i, v := range vals {
		if i < len(ep.names) {
			p[ep.names[i]] = v
		}
	}
	return p
}

// splitPath splits an escaped path into segments, ignoring one trailing slash.
func splitPath(path string) []string {
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}
