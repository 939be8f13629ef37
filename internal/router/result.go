package router

import (
	"regexp"
	"strconv"
)

// firstRegexMatch returns the first of m's regexes (in the route's order)
// that matches path, with its submatch indexes; nil, nil when none does.
func firstRegexMatch(m *matcher, path string) (*regexp.Regexp, []int) {
	for _, re := range m.regexes {
		if loc := re.FindStringSubmatchIndex(path); loc != nil {
			return re, loc
		}
	}
	return nil, nil
}

// result fills dst for the winning matcher m.
func (r *Router) result(m *matcher, path string, dst *Match) {
	dst.Route, dst.Service, dst.Path = m.route, m.service, path
	matched := -1
	switch {
	case len(m.prefixes) > 0:
		matched = len(m.prefixes[0]) // all prefixes of a group have one length
	case len(m.regexes) > 0:
		if re, loc := firstRegexMatch(m, path); loc != nil {
			matched = loc[1]
			dst.Captures = captures(re.SubexpNames(), loc, path)
		}
	}
	if m.route.StripPath && matched > 0 {
		dst.StrippedPrefix = path[:matched]
	}
	base := "/"
	if m.service != nil && m.service.Path != "" {
		base = m.service.Path
	}
	dst.UpstreamPath = escapePath(upstreamPath(base, path, matched, m.route.StripPath))
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
