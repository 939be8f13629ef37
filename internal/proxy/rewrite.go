package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
)

// via is what Gantry adds to Via headers, both ways.
const via = "1.1 gantry"

// rewrite is ReverseProxy's Rewrite: it points the outbound request at the
// service (the forwarder picks the peer per attempt), sets the upstream
// path and Host, and Kong's forwarding headers. ReverseProxy has already
// removed hop-by-hop headers and the client's Forwarded/X-Forwarded-For/
// -Host/-Proto from pr.Out.
func rewrite(pr *httputil.ProxyRequest) {
	st := stateOf(pr.In.Context())
	in, out := pr.In, pr.Out
	svc := st.route.Service

	out.URL.Scheme = svc.Scheme
	out.URL.Host = svc.Addr
	setPath(out.URL, st.match.UpstreamPath)
	switch {
	case st.route.Route.PreserveHost:
		out.Host = in.Host
	default:
		out.Host = svc.HostHeader // "" for upstream targets: set per peer
	}

	h := out.Header
	// Kong appends the client address to X-Forwarded-For whoever sent it;
	// the other X-Forwarded-* are taken from the client only if trusted.
	if prior := in.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		h["X-Forwarded-For"] = []string{joinComma(prior) + ", " + st.clientIP}
	} else {
		h["X-Forwarded-For"] = []string{st.clientIP}
	}
	h["X-Real-Ip"] = []string{st.clientIP}
	h["X-Forwarded-Proto"] = []string{st.scheme}
	forwarded(h, in.Header, st.trusted, "X-Forwarded-Host", st.host)
	forwarded(h, in.Header, st.trusted, "X-Forwarded-Port", st.serverPort)
	forwarded(h, in.Header, st.trusted, "X-Forwarded-Path", in.URL.EscapedPath())
	switch prefix := st.match.StrippedPrefix; {
	case st.trusted && in.Header.Get("X-Forwarded-Prefix") != "":
		h["X-Forwarded-Prefix"] = []string{in.Header.Get("X-Forwarded-Prefix")}
	case prefix != "":
		h["X-Forwarded-Prefix"] = []string{prefix}
	default:
		h.Del("X-Forwarded-Prefix")
	}
	if v := in.Header.Get("Via"); v != "" {
		h["Via"] = []string{v + ", " + via}
	} else {
		h["Via"] = []string{via}
	}
	if _, ok := in.Header["User-Agent"]; !ok {
		h["User-Agent"] = nil // keep Go from adding its own
	}
}

// forwarded sets header key to own, unless the client is trusted and sent
// a value (then that is kept; Rewrite only removed -For/-Host/-Proto).
func forwarded(out, in http.Header, trusted bool, key, own string) {
	if trusted {
		if v := in.Get(key); v != "" {
			out[key] = []string{v}
			return
		}
	}
	out[key] = []string{own}
}

// setPath sets u's path from the router's escaped upstream path.
func setPath(u *url.URL, escaped string) {
	if escaped == "" {
		escaped = "/"
	}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		u.Path, u.RawPath = escaped, ""
		return
	}
	u.Path, u.RawPath = p, escaped
}

func joinComma(vs []string) string {
	if len(vs) == 1 {
		return vs[0]
	}
	s := vs[0]
	for _, v := range vs[1:] {
		s += ", " + v
	}
	return s
}
