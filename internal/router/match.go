package router

import (
	"net/http"
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
	if r == nil || req == nil || len(r.sorted) == 0 {
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
		best:    noRank,
	}
	f.find()
	if f.bestM == nil {
		return false
	}
	r.result(f.bestM, f.path, dst)
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
	best    int32    // rank of bestM; noRank before a match
	bestM   *matcher // the best matcher so far
}

func (f *finder) find() {
	r := f.r
	if f.host != "" {
		f.scanHosts()
	}
	f.scan(r.anyHost)
}

// scanHosts searches the buckets of the exact host and of the wildcards
// that match it.
func (f *finder) scanHosts() {
	r := f.r
	if b := r.exact[f.host]; b != nil {
		f.scan(b)
	}
	r.suffix.scan(f, f.host)
	r.prefix.scan(f, f.host)
}

// scan walks the trie nodes whose keys are prefixes of the path and checks
// their entries, best first, stopping at the first that beats f.best.
func (f *finder) scan(t *pathTrie) {
	path := f.path
	for t != nil {
		if t.hdr == nil {
			f.scanEntries(t.entries)
		} else {
			f.scanEntries(t.hdr.rest)
			for i := range t.hdr.byName {
				b := &t.hdr.byName[i]
				for _, v := range f.headers[b.name] {
					f.scanEntries(b.lookup(v))
				}
			}
		}
		t, path = t.child(path)
	}
}

// scanEntries checks entries (sorted by rank) up to the first that matches
// or cannot beat f.best. Scanning several lists one after the other is
// correct because f.best only ever improves.
func (f *finder) scanEntries(entries []entry) {
	for _, e := range entries {
		if e.rank >= f.best {
			return
		}
		if f.check(e) {
			f.best, f.bestM = e.rank, e.m
			return
		}
	}
}

// check reports whether the matcher of e accepts the request, given that
// the bucket and trie position already vouch for the host and path key.
func (f *finder) check(e entry) bool {
	m := e.m
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
		_, loc := firstRegexMatch(m, f.path)
		return loc != nil
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
		if equalFoldASCII(v, s) {
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
