package admin

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// Browser guards (docs/configuration.md, "Admin API and browsers"). A web
// page open in a browser on the gateway's host can send requests to the
// Admin API on loopback: a cross-origin write (CSRF), or any request once
// its own name resolves to 127.0.0.1 (DNS rebinding). curl and Kong's
// clients send no Origin and a loopback Host, and are not affected.

// guard reports why r must be refused, or "" to serve it.
func (h *handler) guard(r *http.Request) string {
	if h.opts.LoopbackOnly && !loopbackHost(r.Host) && !listedHost(h.opts.AllowedHosts, r.Host) {
		return "Host '" + r.Host + "' is not allowed: the Admin API listens on loopback only and answers loopback names and addresses (list other names in admin_allowed_hosts)"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || safeMethod(r.Method) || origin == ownOrigin(r) || slices.ContainsFunc(h.opts.AllowedOrigins, func(o string) bool { return strings.EqualFold(o, origin) }) {
		return ""
	}
	return "cross-origin write refused: Origin '" + origin + "' is not the Admin API's own (list it in admin_allowed_origins)"
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// ownOrigin is the origin of a page the Admin API itself served for r.
func ownOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + strings.ToLower(r.Host)
}

// hostOnly is host[:port] without its port and brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// loopbackHost reports whether a Host header names this machine's
// loopback: localhost (or a name under .localhost, which resolvers keep
// on loopback) or a loopback address.
func loopbackHost(hostport string) bool {
	host := strings.ToLower(strings.TrimSuffix(hostOnly(hostport), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// listedHost reports whether hostport's host is in list (with or without
// a port there: "admin.internal" allows it on any port).
func listedHost(list []string, hostport string) bool {
	host := hostOnly(hostport)
	return slices.ContainsFunc(list, func(l string) bool {
		return strings.EqualFold(l, hostport) || strings.EqualFold(l, host)
	})
}
