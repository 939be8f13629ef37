package proxycache

import (
	"strconv"
	"strings"
	"time"
)

// cacheControl is a parsed Cache-Control header: directive → value.
type cacheControl map[string]string

func parseCacheControl(v string) cacheControl {
	cc := cacheControl{}
	for _, part := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "" {
			cc[strings.ToLower(k)] = strings.Trim(val, `"`)
		}
	}
	return cc
}

func (cc cacheControl) has(d string) bool { _, ok := cc[d]; return ok }

// fresh applies the request's no-cache, max-age and min-fresh.
func fresh(req cacheControl, e *entry, now time.Time) bool {
	if req.has("no-cache") {
		return false
	}
	age := now.Sub(e.stored)
	if v, ok := req["max-age"]; ok {
		if n, err := strconv.Atoi(v); err == nil && age > time.Duration(n)*time.Second {
			return false
		}
	}
	if v, ok := req["min-fresh"]; ok {
		if n, err := strconv.Atoi(v); err == nil && e.ttl-age < time.Duration(n)*time.Second {
			return false
		}
	}
	return true
}
