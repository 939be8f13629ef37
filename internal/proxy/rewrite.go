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
	rewriteOut(pr.In, pr.Out, stateOf(pr.In.Context()))
}

// rewriteOut is rewrite for the request st describes.
func rewriteOut(in, out *http.Request, st *reqState) {
	svc := st.route.Service

	out.URL.Scheme = svc.Scheme
	out.URL.Host = svc.Addr
	// Only plugins change the client's request after routing; without
	// them the path and Host are the ones st holds.
	plugins := st.pctx != nil
	upstreamPath := st.match.UpstreamPath
	if plugins {
		if cur := in.URL.EscapedPath(); cur != st.path {
			upstreamPath = cur // a plugin set the upstream path (request-transformer's replace.uri)
		}
	}
	setPath(out.URL, upstreamPath)
	switch {
	case st.route.Route.PreserveHost, plugins && in.Host != st.host0:
		out.Host = in.Host // kept, or set by a plugin
	default:
		out.Host = svc.HostHeader // "" for upstream targets: set per peer
	}

	h := headerSetter{h: out.Header, vals: st.reqVals[:0]}
	// Kong appends the client address to X-Forwarded-For whoever sent it;
	// the other X-Forwarded-* are taken from the client only if trusted.
	if prior := in.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		h.set("X-Forwarded-For", joinComma(prior)+", "+st.peerIP)
	} else {
		h.set("X-Forwarded-For", st.clientIP)
	}
	h.set("X-Real-Ip", st.clientIP)
	h.set("X-Forwarded-Proto", st.scheme)
	h.forwarded(in.Header, st.trusted, "X-Forwarded-Host", st.host)
	h.forwarded(in.Header, st.trusted, "X-Forwarded-Port", st.serverPort)
	h.forwarded(in.Header, st.trusted, "X-Forwarded-Path", st.path)
	if prefix := st.match.StrippedPrefix; prefix != "" {
		h.forwarded(in.Header, st.trusted, "X-Forwarded-Prefix", prefix)
	} else if !st.trusted {
		out.Header.Del("X-Forwarded-Prefix")
	}
	h.appendVia(in.Header.Get("Via"))
	if _, ok := in.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // keep Go from adding its own
	}
}

// headerSetter sets single-valued headers from one shared backing array,
// which lives in the request's reqState: no allocation per header.
type headerSetter struct {
	h    http.Header
	vals []string
}

func (hs *headerSetter) set(key, value string) {
	hs.vals = append(hs.vals, value)
	n := len(hs.vals)
	hs.h[key] = hs.vals[n-1 : n : n]
}

// forwarded sets key to own, unless the client is trusted and sent a value
// (then that is kept; ReverseProxy removed only -For/-Host/-Proto).
func (hs *headerSetter) forwarded(in http.Header, trusted bool, key, own string) {
	if trusted {
		if v := in.Get(key); v != "" {
			hs.set(key, v)
			return
		}
	}
	hs.set(key, own)
}

// appendVia adds Gantry to a Via chain.
func (hs *headerSetter) appendVia(prior string) {
	if prior != "" {
		hs.set("Via", prior+", "+via)
		return
	}
	hs.set("Via", via)
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
