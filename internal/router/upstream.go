package router

import "strings"

// upstreamPath joins the service path and the request path the way Kong
// does (the v0 rows of its "path handling" table), given the normalized
// request path, the length of the part of it a path matcher matched (-1 when
// the route has no paths) and strip_path. A route's path_handling does not
// enter: Kong 3.x's traditional_compatible router joins every route with v0
// and ignores "v1" (which only its legacy "traditional" router honoured).
//
// The result is not yet escaped. It avoids allocating when the result is a
// suffix of path or the service path itself.
func upstreamPath(base, path string, matched int, strip bool) string {
	if base == "" {
		base = "/"
	}
	// With a matched prefix the postfix is what follows it; without one it
	// is the whole path minus its first slash.
	var postfix string
	if strip && matched >= 0 {
		postfix = sanitizePostfix(path[matched:])
	} else {
		postfix = sanitizePostfix(path[1:])
	}
	return joinV0(base, path, postfix, strip)
}

// sanitizePostfix drops a leading "./" or "../" (or a lone "." or "..") that
// stripping a prefix may leave behind.
func sanitizePostfix(p string) string {
	switch {
	case p == "." || p == "..":
		return ""
	case strings.HasPrefix(p, "./"):
		return p[2:]
	case strings.HasPrefix(p, "../"):
		return p[3:]
	}
	return p
}

// joinV0 treats service path, route path and request path as segments and
// always joins them with one slash (Kong 0.x/2.x behaviour, the default).
func joinV0(base, path, postfix string, strip bool) string {
	if strings.HasSuffix(base, "/") {
		if !strip {
			return concat(base, path[1:], path)
		}
		switch {
		case postfix == "":
			if base == "/" || strings.HasSuffix(path, "/") {
				return base
			}
			return base[:len(base)-1]
		case postfix[0] == '/':
			return concat(base[:len(base)-1], postfix, path)
		}
		return concat(base, postfix, path)
	}
	if !strip {
		if path == "/" {
			return base
		}
		return concat(base, path, path)
	}
	switch {
	case postfix == "":
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			return base + "/"
		}
		return base
	case postfix[0] == '/':
		return concat(base, postfix, path)
	}
	return base + "/" + postfix
}

// concat returns a+b, reusing path's memory when a+b is a suffix of it (as
// it is when the service path is "/"), so the common case does not allocate.
func concat(a, b, path string) string {
	if a == "" {
		return b
	}
	if n := len(a) + len(b); n <= len(path) && strings.HasSuffix(path, b) {
		s := path[len(path)-n:]
		if s[:len(a)] == a {
			return s
		}
	}
	return a + b
}
