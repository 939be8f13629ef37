package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Header and query clean-up of serveFast, matching what
// httputil.ReverseProxy does on the other path.

// copyRequestHeader copies the client's header fields to the upstream
// request without the hop-by-hop ones (those the Connection field names
// and the RFC 2616 list), and without the forwarding fields Rewrite sets
// itself; "Te: trailers" is kept, as ReverseProxy keeps it.
func copyRequestHeader(dst, src http.Header) {
	for k, vv := range src {
		switch k {
		case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
			continue
		}
		if !hopByHop(k) {
			dst[k] = vv
		}
	}
	removeListed(dst, src["Connection"])
	if httpguts.HeaderValuesContainsToken(src["Te"], "trailers") {
		dst["Te"] = []string{"trailers"}
	}
}

// removeHopByHop removes a response's hop-by-hop header fields.
func removeHopByHop(h http.Header) {
	removeListed(h, h["Connection"])
	for k := range h {
		if hopByHop(k) {
			delete(h, k)
		}
	}
}

// removeListed removes from h the fields that the Connection values conn
// name, each token parsed once.
func removeListed(h http.Header, conn []string) {
	for _, f := range conn {
		for sf := range strings.SplitSeq(f, ",") {
			if sf = strings.TrimSpace(sf); sf != "" {
				h.Del(sf)
			}
		}
	}
}

// hopByHop reports whether the canonical key k is one of RFC 2616's
// hop-by-hop fields (ReverseProxy's list).
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// cleanQueryParams re-encodes a query that net/url would not parse
// (semicolons, bad escapes), as ReverseProxy does, so that Gantry and the
// upstream cannot read different parameters from it.
func cleanQueryParams(s string) string {
	for i := 0; i < len(s); {
		switch s[i] {
		case ';':
			return reencodeQuery(s)
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return reencodeQuery(s)
			}
			i += 3
		default:
			i++
		}
	}
	return s
}

func reencodeQuery(s string) string {
	v, _ := url.ParseQuery(s)
	return v.Encode()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
