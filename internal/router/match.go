package router

import (
	"net/http"
	"strconv"
	"strings"
)

// Match finds the best route for req, or returns nil. It allocates the
// result; MatchInto does not.
func (r *Router) Match(req *Request) *Match {
	m := new(Match)
	if !r.MatchInto(req, m) {
		return nil
	}
	return m
}

// MatchInto is Match writing into dst, which it overwrites entirely. It
// reports whether a route matched; dst is zeroed when none did. For a prefix
// route whose service path is "/" or unset, and an ordinary path, it does
// not allocate.
func (r *Router) MatchInto(req *Request, dst *Match) bool {
	*dst = Match{}
	if r == nil || req == nil || len(r.matchers) == 0 {
		return false
	}
	host, port := splitHostPort(lowerASCII(req.Host))
	if port == 0 {
		port = req.DstPort
	}
	f := finder{
		r:       r,
		method:  req.Method,
		host:    host,
		port:    port,
		path:    NormalizePath(req.Path),
		tls:     req.TLS || req.SNI != "",
		sni:     strings.TrimSuffix(req.SNI, "."),
		headers: req.Headers,
		best:    int32(len(r.matchers)),
	}
	f.find()
	if f.best == int32(len(r.matchers)) {
		return false
	}
	r.result(&r.matchers[f.best], f.path, dst)
	return true
}

// finder is the state of one lookup: the request's parts and the best
// matcher found so far. Buckets are searched with the best rank as a bound,
// so the search skips every matcher that could not beat it.
type finder struct {
	r       *Router
	method  string
	host    string
	port    int
	path    string
	tls     bool
	sni     string
	headers http.Header
	best    int32
}

func (f *finder) find() {
	r := f.r
	if b := r.exact[f.host]; b != nil {
		f.scan(b)
	}
	for _, n := range r.suffix.lengths {
		if n > len(f.host) {
			break
		}
		if b := r.suffix.buckets[f.host[len(f.host)-n:]]; b != nil {
			f.scan(b)
		}
	}
	for _, n := range r.prefix.lengths {
		if n > len(f.host) {
			break
		}
		if b := r.prefix.buckets[f.host[:n]]; b != nil {
			f.scan(b)
		}
	}
	f.scan(r.anyHost)
}

// scan walks the trie nodes whose keys are prefixes of the path and checks
// their entries, best first, stopping at the first that beats f.best.
func (f *finder) scan(t *pathTrie) {
	path := f.path
	for t != nil {
		for _, e := range t.entries {
			if e.rank >= f.best {
				break
			}
			if f.check(e) {
				f.best = e.rank
				break
			}
		}
		t, path = t.child(path)
	}
}

// check reports whether the matcher of e accepts the request, given that
// the bucket and trie position already vouch for the host and path key.
func (f *finder) check(e entry) bool {
	m := &f.r.matchers[e.rank]
	if e.port != 0 && int(e.port) != f.port {
		return false
	}
	if len(m.methods) > 0 && !contains(m.methods, f.method) {
		return false
	}
	if len(m.snis) > 0 && f.tls && !containsFold(m.snis, f.sni) {
		return false
	}
	for i := range m.headers {
		if !m.headers[i].accepts(f.headers[m.headers[i].name]) {
			return false
		}
	}
	switch {
	case e.regex >= 0:
		return m.regexes[e.regex].MatchString(f.path)
	case e.regex == regexAny:
		_, ok := firstRegexMatch(m, f.path)
		return ok
	}
	return true
}

// regexAny marks an entry whose matcher has too many regexes to name one.
const regexAny = -2

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// accepts reports whether any of the request's values for the header
// matches one of the route's values.
func (h *headerMatcher) accepts(got []string) bool {
	for _, v := range got {
		if containsFold(h.values, v) {
			return true
		}
		for _, re := range h.regexes {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// firstRegexMatch returns the submatch indexes of the first of m's regexes
// (in the route's order) that matches path.
func firstRegexMatch(m *matcher, path string) ([]int, bool) {
	for i, re := range m.regexes {
		if loc := re.FindStringSubmatchIndex(path); loc != nil {
			return append(loc, i), true
		}
	}
	return nil, false
}

// result fills dst for the winning matcher m.
func (r *Router) result(m *matcher, path string, dst *Match) {
	dst.Route, dst.Service, dst.Path = m.route, m.service, path
	matched := -1
	switch {
	case len(m.prefixes) > 0:
		matched = len(m.prefixes[0]) // all prefixes of a group have one length
	case len(m.regexes) > 0:
		if loc, ok := firstRegexMatch(m, path); ok {
			re := m.regexes[loc[len(loc)-1]]
			matched = loc[1]
			dst.Captures = captures(re.SubexpNames(), loc[:len(loc)-1], path)
		}
	}
	if m.route.StripPath && matched > 0 {
		dst.StrippedPrefix = path[:matched]
	}
	base := "/"
	if m.service != nil && m.service.Path != "" {
		base = m.service.Path
	}
	dst.UpstreamPath = escapePath(upstreamPath(base, path, matched, m.route.StripPath, m.route.PathHandling))
}

// captures maps group names and numbers to the text they matched.
func captures(names []string, loc []int, path string) map[string]string {
	if len(names) < 2 {
		return nil
	}
	c := make(map[string]string, 2*len(names))
	for i, name := range names {
		if loc[2*i] < 0 {
			continue
		}
		v := path[loc[2*i]:loc[2*i+1]]
		c[strconv.Itoa(i)] = v
		if name != "" {
			c[name] = v
		}
	}
	return c
}
