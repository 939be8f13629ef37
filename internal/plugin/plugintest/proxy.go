package plugintest

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// The harness's reverse proxy: the reference wiring of a Chain.

// serve is the whole proxy: route, run the chain, forward, filter, log.
func (h *Harness) serve(w http.ResponseWriter, r *http.Request) {
	ctx := plugin.AcquireContext(w, r)
	defer plugin.ReleaseContext(ctx)
	ctx.Protocol = "http"
	ctx.ClientIP = clientIP(r)
	r.Header.Del(ClientIPHeader)
	chain := h.Chains.Global()
	if route := h.match(r); route != nil {
		ctx.Route = route
		for _, s := range h.cfg.Services {
			if s.ID == entity.RefID(route.Service) {
				ctx.Service = s
			}
		}
		chain = h.Chains.Route(route.ID)
	}
	chain.Rewrite(ctx)
	if !chain.Access(ctx) {
		chain.SendExit(ctx)
		chain.Log(ctx)
		return
	}
	if ctx.Route == nil {
		ctx.Exit(http.StatusNotFound, "no Route matched with those values", nil)
		chain.SendExit(ctx)
		chain.Log(ctx)
		return
	}
	h.forward(ctx, chain)
	chain.Log(ctx)
}

func (h *Harness) forward(ctx *plugin.Context, chain *plugin.Chain) {
	out := ctx.Request.Clone(ctx.Request.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = "http", strings.TrimPrefix(h.upURL, "http://")
	ctx.UpstreamURI = out.URL.RequestURI()
	sent := time.Now()
	resp, err := h.upstream.RoundTrip(out)
	ctx.UpstreamLatency = time.Since(sent)
	if err != nil {
		ctx.Exit(http.StatusBadGateway, "An invalid response was received from the upstream server", nil)
		chain.SendExit(ctx)
		return
	}
	defer resp.Body.Close()
	ctx.Response = plugin.Response{Status: resp.StatusCode, Header: resp.Header}
	chain.HeaderFilter(ctx)
	var body []byte
	switch {
	case ctx.Exited():
		body = ctx.Response.Body
	case chain.NeedsBody(ctx):
		b, _ := io.ReadAll(resp.Body)
		body = chain.BodyFilter(ctx, b)
	default:
		copyHeader(ctx.Writer.Header(), ctx.Response.Header)
		ctx.Writer.WriteHeader(ctx.Response.Status)
		ctx.ResponseSize, _ = io.Copy(ctx.Writer, resp.Body)
		return
	}
	copyHeader(ctx.Writer.Header(), ctx.Response.Header)
	ctx.Writer.Header().Del("Content-Length")
	ctx.Writer.WriteHeader(ctx.Response.Status)
	n, _ := ctx.Writer.Write(body)
	ctx.ResponseSize = int64(n)
}

// match picks the route whose path prefix is longest among those whose
// hosts and methods (when set) match.
func (h *Harness) match(r *http.Request) *entity.Route {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	var best *entity.Route
	bestLen := -1
	for _, rt := range h.routeList {
		if len(rt.Hosts) > 0 && !contains(rt.Hosts, host) {
			continue
		}
		if len(rt.Methods) > 0 && !contains(rt.Methods, r.Method) {
			continue
		}
		paths := rt.Paths
		if len(paths) == 0 {
			paths = []string{"/"}
		}
		for _, p := range paths {
			if strings.HasPrefix(r.URL.Path, p) && len(p) > bestLen {
				best, bestLen = rt, len(p)
			}
		}
	}
	return best
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func clientIP(r *http.Request) netip.Addr {
	if v := r.Header.Get(ClientIPHeader); v != "" {
		if a, err := netip.ParseAddr(v); err == nil {
			return a
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}
