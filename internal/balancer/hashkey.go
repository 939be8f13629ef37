package balancer

import (
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
)

// hashSource is one of hash_on / hash_fallback with the name it needs.
type hashSource struct {
	kind       string // none, consumer, ip, header, cookie, path, query_arg, uri_capture
	name       string // header (canonical), cookie, query argument or capture group
	cookiePath string
}

// hashConfig says what consistent-hashing hashes on.
type hashConfig struct {
	on, fallback hashSource
}

func newHashConfig(up *entity.Upstream) hashConfig {
	return hashConfig{
		on: hashSource{kind: up.HashOn, name: hashName(up.HashOn,
			up.HashOnHeader, up.HashOnCookie, up.HashOnQueryArg, up.HashOnURICapture),
			cookiePath: up.HashOnCookiePath},
		fallback: hashSource{kind: up.HashFallback, name: hashName(up.HashFallback,
			up.HashFallbackHeader, up.HashOnCookie, up.HashFallbackQueryArg, up.HashFallbackURICapture),
			cookiePath: up.HashOnCookiePath},
	}
}

func hashName(kind, header, cookie, query, capture string) string {
	switch kind {
	case "header":
		return textproto.CanonicalMIMEHeaderKey(header)
	case "cookie":
		return cookie
	case "query_arg":
		return query
	case "uri_capture":
		return capture
	}
	return ""
}

// value is the string to hash, as Kong computes it: hash_on's value when the
// request has one, else hash_fallback's, else "" (every such request then
// lands on the same address). Cookie hashing invents a value when the request
// has no cookie and returns the cookie the response must set.
func (h *hashConfig) value(in *PickInput) (string, *http.Cookie) {
	if v, c, ok := h.on.get(in); ok {
		return v, c
	}
	if h.on.kind == "none" || h.on.kind == "" {
		return "", nil
	}
	if v, c, ok := h.fallback.get(in); ok {
		return v, c
	}
	return "", nil
}

func (s *hashSource) get(in *PickInput) (string, *http.Cookie, bool) {
	r := in.Request
	switch s.kind {
	case "consumer":
		return in.ConsumerID, nil, in.ConsumerID != ""
	case "ip":
		if in.ClientIP != "" {
			return in.ClientIP, nil, true
		}
		if r != nil {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				return host, nil, true
			}
		}
	case "header":
		if r != nil {
			if vals, ok := r.Header[s.name]; ok {
				if len(vals) == 1 {
					return vals[0], nil, true
				}
				return strings.Join(vals, ", "), nil, true
			}
		}
	case "cookie":
		if r != nil {
			if c, err := r.Cookie(s.name); err == nil {
				return c.Value, nil, true
			}
		}
		v := uuid.NewString()
		return v, &http.Cookie{Name: s.name, Value: v, Path: s.cookiePath,
			SameSite: http.SameSiteLaxMode, HttpOnly: true}, true
	case "path":
		if r != nil && r.URL != nil {
			return r.URL.Path, nil, true
		}
	case "query_arg":
		if r != nil && r.URL != nil {
			return queryArg(r.URL.RawQuery, s.name)
		}
	case "uri_capture":
		v, ok := in.Captures[s.name]
		return v, nil, ok
	}
	return "", nil, false
}

// queryArg finds name in a raw query as Kong does: a bare "name" counts as
// "true", several values are sorted and joined with ",".
func queryArg(raw, name string) (string, *http.Cookie, bool) {
	var vals []string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, hasEq := strings.Cut(pair, "=")
		if k != name {
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		}
		if !hasEq {
			v = "true"
		} else if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		vals = append(vals, v)
	}
	switch len(vals) {
	case 0:
		return "", nil, false
	case 1:
		return vals[0], nil, true
	}
	slices.Sort(vals)
	return strings.Join(vals, ","), nil, true
}
