package router

import (
	"slices"
	"strconv"
	"strings"
)

// hostKind says how a route host compares with the request's host.
type hostKind uint8

const (
	hostExact  hostKind = iota
	hostSuffix          // "*.example.com": the host ends with ".example.com"
	hostPrefix          // "example.*": the host starts with "example."
)

// routeHost is one element of a route's hosts, parsed.
type routeHost struct {
	kind hostKind
	key  string // lower-cased host, or the fixed part of a wildcard
	port int    // 0: any port
}

// parseRouteHost splits "host[:port]" and classifies wildcards the way Kong
// does: a leading '*' is a suffix match, a trailing '*' a prefix match.
func parseRouteHost(h string) routeHost {
	host, port := splitHostPort(lowerASCII(h))
	switch {
	case strings.HasPrefix(host, "*"):
		return routeHost{kind: hostSuffix, key: host[1:], port: port}
	case strings.HasSuffix(host, "*"):
		return routeHost{kind: hostPrefix, key: host[:len(host)-1], port: port}
	}
	return routeHost{kind: hostExact, key: host, port: port}
}

// splitHostPort splits "host:port", "[v6]:port", "host" and "[v6]". A port
// that is not a number in 1..65535 is kept as part of the host, as Kong
// does.
func splitHostPort(s string) (string, int) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.LastIndexByte(s, ']') > i {
		return s, 0
	}
	if s[0] != '[' && strings.IndexByte(s[:i], ':') >= 0 {
		return s, 0 // bare IPv6 address, no port
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p < 1 || p > 65535 {
		return s, 0
	}
	return s[:i], p
}

// lowerASCII returns s with ASCII letters in lower case (like Lua's
// lower()), without allocating when it already is.
func lowerASCII(s string) string {
	if !hasUpperASCII(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// wildcardIndex holds the buckets of one kind of wildcard host, keyed by
// the fixed part, with the distinct key lengths, so a lookup probes one map
// entry per length instead of scanning every wildcard route.
type wildcardIndex struct {
	suffix  bool // keys are host suffixes ("*.example.com"), else prefixes
	buckets map[string]*pathTrie
	lengths []int  // distinct key lengths, ascending
	edges   []byte // per length: the byte every key has at its wildcard end ('.'), or 0
}

// edge is the byte of key next to the wildcard: '.' for valid hosts.
func (w *wildcardIndex) edge(key string) byte {
	switch {
	case key == "":
		return 0
	case w.suffix:
		return key[0]
	}
	return key[len(key)-1]
}

func (w *wildcardIndex) bucket(key string) *pathTrie {
	if w.buckets == nil {
		w.buckets = map[string]*pathTrie{}
	}
	b := w.buckets[key]
	if b != nil {
		return b
	}
	b = &pathTrie{}
	w.buckets[key] = b
	i, found := slices.BinarySearch(w.lengths, len(key))
	switch {
	case !found:
		w.lengths = slices.Insert(w.lengths, i, len(key))
		w.edges = slices.Insert(w.edges, i, w.edge(key))
	case w.edges[i] != w.edge(key):
		w.edges[i] = 0
	}
	return b
}

// scan searches, with f, the buckets whose key host ends with (suffix
// index) or starts with (prefix index). The edge byte check skips most map
// lookups: with valid keys a bucket can only match where host has a dot.
func (w *wildcardIndex) scan(f *finder, host string) {
	for i, n := range w.lengths {
		if n > len(host) {
			return
		}
		pos, key := n-1, host[:n]
		if w.suffix {
			pos, key = len(host)-n, host[len(host)-n:]
		}
		if e := w.edges[i]; e != 0 && host[pos] != e {
			continue
		}
		if b := w.buckets[key]; b != nil {
			f.scan(b)
		}
	}
}
