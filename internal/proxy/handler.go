package proxy

import (
	"context"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/yield"
)

// ServeHTTP proxies one client request with the snapshot in service when
// it arrived.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &reqState{in: r, start: time.Now()}
	yield.Enter()
	defer yield.Leave()
	defer p.finish(w, r, st)

	n := 0
	for _, v := range r.Header {
		n += len(v)
	}
	if n > p.opts.MaxHeaderCount {
		writeError(w, st, http.StatusRequestHeaderFieldsTooLarge, msgHeaders)
		return
	}
	st.snap = p.snap.Load()
	if st.snap == nil {
		writeError(w, st, http.StatusNotFound, msgNoRoute)
		return
	}
	if hasBody(r) {
		r.Body = newClientBody(r.Body, w, p.opts.BodyReadTimeout, p.opts.MaxBodyBytes, st)
	}
	st.path = r.URL.EscapedPath()
	rreq := router.Request{Method: r.Method, Path: st.path, Headers: r.Header}
	p.client(r, st, &rreq)
	st.route = st.snap.MatchInto(&rreq, &st.match)
	if st.route == nil {
		p.noRoute(w, r, st)
		return
	}
	if refuseProtocol(w, r, st) {
		return
	}
	// The route's plugins run here (rewrite and access); one may answer
	// the request itself. Their header, body and log phases run in
	// modifyResponse, answer and finish.
	w, ok := p.access(w, r, st)
	if !ok {
		return
	}
	svc := st.route.Service
	if svc == nil {
		p.answer(w, st, http.StatusServiceUnavailable, msgNoService)
		return
	}

	st.up = p.transports.get(svc)
	if !p.opts.DisableFastPath && fastPath(r, st.up) {
		p.serveFast(w, r, st)
		return
	}
	if hasBody(r) {
		ok := p.readBody(w, r, st)
		if st.spool != nil {
			defer st.spool.Close()
		}
		if !ok {
			return
		}
	}
	noSniff(w.Header()) // ReverseProxy adds the upstream's values to it
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	out := r.WithContext(ctx)
	// Streaming responses (no Content-Length, which covers gRPC) are
	// flushed on every write by ReverseProxy anyway. gRPC must not take the
	// always-flush proxy: it flushes headers early, which splits a
	// trailers-only answer (a gRPC error) into headers plus an empty end
	// of stream that gRPC clients reject.
	if !st.route.Route.ResponseBuffering && !svc.GRPC {
		p.streaming.ServeHTTP(w, out)
		return
	}
	p.buffered.ServeHTTP(w, out)
}

// client fills what st and the router request know of the connection:
// addresses, SNI, scheme, host and whether the client is trusted.
func (p *Proxy) client(r *http.Request, st *reqState, rreq *router.Request) {
	st.scheme = "http"
	if r.TLS != nil {
		st.scheme = "https"
		rreq.TLS, rreq.SNI = true, r.TLS.ServerName
	}
	pi := p.peer(r)
	if pi.parsed {
		rreq.SrcIP, rreq.SrcPort = pi.addr, pi.port
	}
	st.clientAddr, st.clientIP, st.peerIP, st.trusted = pi.addr, pi.ip, pi.peerIP, pi.trusted
	if st.trusted {
		if v := r.Header.Get("X-Forwarded-Proto"); v != "" {
			st.scheme = strings.ToLower(v)
		}
		// Kong's real_ip_header X-Real-IP: a trusted proxy names the client.
		if real, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get("X-Real-Ip"))); err == nil {
			st.clientAddr = real.Unmap()
			st.clientIP = st.clientAddr.String()
			rreq.SrcIP = st.clientAddr
		}
	}
	st.host = hostOnly(r.Host)
	rreq.Host = r.Host
	rreq.DstIP, rreq.DstPort, st.serverPort = pi.local, pi.localPort, pi.serverPort
}

// finish counts the request and turns a panic into a 500 for this request
// only. http.ErrAbortHandler (ReverseProxy aborting a broken response) is
// passed on: the server closes the connection quietly.
func (p *Proxy) finish(w http.ResponseWriter, r *http.Request, st *reqState) {
	v := recover()
	defer p.logPhase(st)
	if v != nil && v != http.ErrAbortHandler {
		p.log.Error("panic while proxying", "panic", v, "method", r.Method,
			"path", r.URL.Path, "stack", string(debug.Stack()))
		if st.responded {
			v = http.ErrAbortHandler // the status went out: cut the response
		} else {
			writeError(w, st, http.StatusInternalServerError, msgUnexpected)
			v = nil
		}
	}
	p.stats.request(st.status)
	if v != nil {
		panic(v)
	}
}

// trusted reports whether addr is in Options.TrustedIPs.
func (p *Proxy) trusted(addr netip.Addr) bool {
	for _, pfx := range p.opts.TrustedIPs {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}
