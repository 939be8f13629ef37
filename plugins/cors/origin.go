package cors

import (
	"net/url"
	"regexp"
	"strings"
)

// origin is one configured origin, compiled once per snapshot.
type origin struct {
	exact  string         // normalized scheme://host[:port]; "" for a regex
	re     *regexp.Regexp // anchored
	byHost bool           // regex without ":" matches the host only
}

// isRegex mirrors Kong's test: any character outside [A-Za-z0-9.:/-].
func isRegex(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".:/-", r))
	}) >= 0
}

// anchor anchors a user regex at both ends, keeping explicit anchors.
func anchor(s string) string {
	s = strings.TrimPrefix(s, "^")
	if !strings.HasSuffix(s, "$") {
		s += "$"
	}
	return "^(?:" + strings.TrimSuffix(s, "$") + ")$"
}

func compileOrigins(list []string) []origin {
	out := make([]origin, 0, len(list))
	for _, o := range list {
		if isRegex(o) {
			out = append(out, origin{re: regexp.MustCompile(anchor(o)), byHost: !strings.Contains(o, ":")})
			continue
		}
		out = append(out, origin{exact: normalize(o).domain})
	}
	return out
}

type normalized struct{ domain, host string }

// normalize reduces an origin to scheme://host[:port] without default ports.
func normalize(s string) normalized {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return normalized{domain: s, host: s}
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	d := u.Scheme + "://" + u.Hostname()
	if port != "" {
		d += ":" + port
	}
	return normalized{domain: d, host: u.Hostname()}
}

// match returns the origin to echo in Access-Control-Allow-Origin, or "".
func match(list []origin, reqOrigin string) string {
	n := normalize(reqOrigin)
	for _, o := range list {
		switch {
		case o.re == nil:
			if o.exact == n.domain {
				return n.domain
			}
		case o.byHost && o.re.MatchString(n.host), !o.byHost && o.re.MatchString(n.domain):
			return n.domain
		}
	}
	return ""
}
