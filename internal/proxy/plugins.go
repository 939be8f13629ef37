package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gantryhq/gantry/internal/plugin"
)

// This file runs the plugin chains the snapshot carries (built by
// snapshot.Options.Plugins, the node's plugin registry) around the
// proxying, as the plugin package documents:
// rewrite and access before the upstream request, header and body filters
// on the response, log once the request is done.

// access starts the plugin context of a matched request and runs the
// rewrite and access phases. It returns the writer to answer with (one
// that counts body bytes for log plugins when the route has plugins), and
// false when a plugin answered.
func (p *Proxy) access(w http.ResponseWriter, r *http.Request, st *reqState) (http.ResponseWriter, bool) {
	chain := st.route.Chain
	if chain.Empty() { // most routes: no plugin context, no counting writer
		return w, true
	}
	pc := p.startPlugins(w, r, st, chain)
	pc.Route = st.route.Route
	if st.route.Service != nil {
		pc.Service = st.route.Service.Service
	}
	chain.Rewrite(pc)
	ok := chain.Access(pc)
	if err := pc.BodyError(); err != nil {
		// A plugin's read of the body failed: the body is lost, so the
		// request ends here with what the failure deserves (413 over
		// MaxBodyBytes), whatever the plugins answered.
		p.bodyFailed(pc.Writer, r, st, err)
		return pc.Writer, false
	}
	if !ok {
		p.sendExit(st)
		return pc.Writer, false
	}
	return pc.Writer, true
}

// noRoute answers 404, after the global plugins' rewrite phase (which may
// answer instead), as Kong runs global plugins before routing.
func (p *Proxy) noRoute(w http.ResponseWriter, r *http.Request, st *reqState) {
	chain := st.snap.GlobalChain()
	if chain.Empty() {
		writeError(w, st, http.StatusNotFound, msgNoRoute)
		return
	}
	pc := p.startPlugins(w, r, st, chain)
	chain.Rewrite(pc)
	if !pc.Exited() {
		pc.Exit(http.StatusNotFound, msgNoRoute, nil)
	}
	// With the request stopped, Access calls no handler: it only selects
	// the global plugins, so their header filters and logs see the 404.
	chain.Access(pc)
	p.sendExit(st)
}

func (p *Proxy) startPlugins(w http.ResponseWriter, r *http.Request, st *reqState, chain *plugin.Chain) *plugin.Context {
	st.written = &countingWriter{ResponseWriter: w}
	pc := plugin.AcquireContext(st.written, r)
	pc.ClientIP, pc.Started, pc.Protocol = st.clientAddr, st.start, requestProtocol(r, st)
	pc.BodyLimits = p.bodyLimits()
	st.chain, st.pctx, st.host0 = chain, pc, r.Host
	return pc
}

// requestProtocol is the protocol plugins filter on.
func requestProtocol(r *http.Request, st *reqState) string {
	grpc := grpcRequest(r)
	switch {
	case grpc && st.scheme == "https":
		return "grpcs"
	case grpc:
		return "grpc"
	}
	return st.scheme
}

// answer sends a gateway-made answer: through the plugins' header and
// body filters when the request has a chain, else directly.
func (p *Proxy) answer(w http.ResponseWriter, st *reqState, status int, msg string) {
	if st.pctx == nil {
		writeError(w, st, status, msg)
		return
	}
	st.pctx.Exit(status, msg, nil)
	st.pctx.Response.Header.Set("Content-Type", contentTypeJSON)
	p.sendExit(st)
}

func (p *Proxy) sendExit(st *reqState) {
	setResponseLatency(st.pctx.Writer.Header(), st)
	st.chain.SendExit(st.pctx)
	st.status, st.responded = st.pctx.Response.Status, true
}

// filterResponse runs the header filter, and the body filter when a plugin
// needs it, on an upstream response before it is sent.
func (p *Proxy) filterResponse(res *http.Response, st *reqState) error {
	pc := st.pctx
	pc.UpstreamURI = res.Request.URL.RequestURI()
	pc.UpstreamLatency = st.upstreamHeaders.Sub(st.upstreamStart)
	pc.Response = plugin.Response{Status: res.StatusCode, Header: res.Header}
	st.chain.HeaderFilter(pc)
	res.StatusCode, res.Header = pc.Response.Status, pc.Response.Header
	var body []byte
	switch {
	case pc.Exited(): // a header filter failed: its answer replaces the upstream's
		body = pc.Response.Body
	case res.StatusCode != http.StatusSwitchingProtocols && st.chain.NeedsBody(pc):
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return fmt.Errorf("reading the upstream body for body filters: %w", err)
		}
		body = st.chain.BodyFilter(pc, b)
		if pc.Exited() { // a body filter failed: its 500 replaces the upstream's answer, status and headers included
			res.StatusCode, res.Header = pc.Response.Status, pc.Response.Header
		}
	default:
		return nil
	}
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	res.Header.Del("Transfer-Encoding")
	return nil
}

// logPhase runs the plugins' log phase and releases the plugin context.
func (p *Proxy) logPhase(st *reqState) {
	if st.pctx == nil {
		return
	}
	if st.status != 0 {
		st.pctx.Response.Status = st.status // what the client got (or 499)
	}
	st.pctx.ResponseSize = st.written.n
	st.chain.Log(st.pctx)
	plugin.ReleaseContext(st.pctx)
	st.pctx = nil
}

// countingWriter counts the body bytes sent to the client, for log
// plugins. Unwrap keeps flushing and hijacking (WebSocket) working through
// http.ResponseController, which ReverseProxy uses.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
