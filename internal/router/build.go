package router

import (
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// maxHeaderCount caps the header count used for ordering, as Kong does.
const maxHeaderCount = 255

// matcher is one route, or one path group of a route: like Kong, a route
// whose paths mix regexes and prefixes of different lengths is split into
// one matcher per group (all regexes; prefixes of one length), each with its
// own priority, so "/a" and "/abcdef" of one route rank like two routes.
type matcher struct {
	route   *entity.Route
	service *entity.Service
	hosts   []routeHost
	methods []string
	snis    []string // lower case, without a trailing dot
	headers []headerMatcher
	// prefixes of one length, or regexes; both empty when the route has no
	// paths.
	prefixes []string
	regexes  []*regexp.Regexp
	starts   []string // literalStart of each regex, its key in the path trie

	prio  priority
	order int // position of the route in New's input
	group int // position of the path group in the route
	// rank is the matcher's place in the priority order, lower first.
	// Ranks are spread over the int32 range with gaps (see spreadRanks) so
	// that Update can place a new matcher between two others without
	// renumbering the rest.
	rank int32
}

// headerMatcher requires one request header to have a value equal (case
// insensitively) to one of values or matching one of regexes.
type headerMatcher struct {
	name    string // canonical MIME form, the key of http.Header
	values  []string
	regexes []*regexp.Regexp
}

// routeLabel names a route in errors: its name and id when it has both.
func routeLabel(r *entity.Route) string {
	switch {
	case r.Name != "" && r.ID != "":
		return fmt.Sprintf("%q (id %s)", r.Name, r.ID)
	case r.Name != "":
		return fmt.Sprintf("%q", r.Name)
	}
	return fmt.Sprintf("id %s", r.ID)
}

// isHTTPRoute reports whether the route serves one of the HTTP-family
// protocols; stream routes are not the HTTP router's business. No protocols
// at all means Kong's default, http and https.
func isHTTPRoute(r *entity.Route) bool {
	if len(r.Protocols) == 0 {
		return true
	}
	for _, p := range r.Protocols {
		switch p {
		case "http", "https", "grpc", "grpcs", "ws", "wss":
			return true
		}
	}
	return false
}

// compileMatchers appends to dst one route's matchers (one per path group).
func compileMatchers(dst []matcher, r *entity.Route, svc *entity.Service, order int, cache *regexCache) ([]matcher, error) {
	base := matcher{route: r, service: svc, methods: r.Methods, order: order}
	for _, h := range r.Hosts {
		base.hosts = append(base.hosts, parseRouteHost(h))
	}
	for _, s := range r.SNIs {
		s = lowerASCII(s)
		if len(s) > 1 {
			s = strings.TrimSuffix(s, ".")
		}
		base.snis = append(base.snis, s)
	}
	hm, err := compileHeaders(r, cache)
	if err != nil {
		return nil, err
	}
	base.headers = hm

	p := &base.prio
	p.headers = min(len(r.Headers), maxHeaderCount)
	for _, n := range []int{len(r.Methods), len(r.Hosts), len(r.Headers), len(r.SNIs), len(r.Paths)} {
		if n > 0 {
			p.weight++
		}
	}
	p.plainHosts = len(r.Hosts) > 0
	for _, h := range r.Hosts {
		if strings.Contains(h, "*") {
			p.plainHosts = false
		}
	}
	if len(r.Paths) == 0 {
		if p.weight == 0 {
			return nil, fmt.Errorf("route %s: has none of methods, hosts, headers, paths, snis: set at least one", routeLabel(r))
		}
		return append(dst, base), nil
	}
	return splitByPath(dst, base, cache)
}

// splitByPath appends to dst one matcher for all regex paths and one per
// prefix length, in the order the groups first appear in the route's paths.
func splitByPath(dst []matcher, base matcher, cache *regexCache) ([]matcher, error) {
	r := base.route
	first := len(dst) // the route's groups are dst[first:]
	var keysBuf [4]int
	keys := keysBuf[:0] // prefix length (-1: regex) of each group
	for _, raw := range r.Paths {
		key, prefix := -1, ""
		var re *regexp.Regexp
		if strings.HasPrefix(raw, "~") {
			var err error
			if re, err = cache.compile("^" + raw[1:]); err != nil {
				return nil, fmt.Errorf("route %s: path %q is not a valid regex: %w; fix the pattern (RE2 syntax, named groups as (?<name>...))",
					routeLabel(r), raw, err)
			}
		} else {
			prefix = NormalizePath(raw)
			key = len(prefix)
		}
		i := slices.Index(keys, key)
		if i < 0 {
			m := base
			m.group = len(dst) - first
			if re != nil {
				m.prio.regex = true
				m.prio.regexPriority = r.RegexPriority
			} else {
				m.prio.length = key
			}
			i = len(dst) - first
			keys = append(keys, key)
			dst = append(dst, m)
		}
		if re != nil {
			dst[first+i].regexes = append(dst[first+i].regexes, re)
			dst[first+i].starts = append(dst[first+i].starts, literalStart(re))
		} else {
			dst[first+i].prefixes = append(dst[first+i].prefixes, prefix)
		}
	}
	return dst, nil
}

// regexCache compiles each pattern once per build, taking it from the
// previous router's regexes when it has it. A *regexp.Regexp is safe for
// concurrent use, so two routers may share one.
type regexCache struct {
	prev, next map[string]*regexp.Regexp
}

func (c *regexCache) compile(pattern string) (*regexp.Regexp, error) {
	if re, ok := c.next[pattern]; ok {
		return re, nil
	}
	re, ok := c.prev[pattern]
	if !ok {
		var err error
		if re, err = regexp.Compile(pattern); err != nil {
			return nil, err
		}
	}
	c.next[pattern] = re
	return re, nil
}

// compileHeaders builds the header matchers, sorted by name so matching
// order is stable. A value starting with "~*" is a case-insensitive regex,
// searched anywhere in the header value as Kong does.
func compileHeaders(r *entity.Route, cache *regexCache) ([]headerMatcher, error) {
	var out []headerMatcher
	for name, values := range r.Headers {
		h := headerMatcher{name: textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(name, "_", "-"))}
		for _, v := range values {
			if !strings.HasPrefix(v, "~*") {
				h.values = append(h.values, v)
				continue
			}
			re, err := cache.compile("(?i)" + v[2:])
			if err != nil {
				return nil, fmt.Errorf("route %s: header %q value %q is not a valid regex: %w; fix the pattern (RE2 syntax)",
					routeLabel(r), name, v, err)
			}
			h.regexes = append(h.regexes, re)
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b headerMatcher) int { return strings.Compare(a.name, b.name) })
	return out, nil
}
