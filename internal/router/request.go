package router

import (
	"net"
	"net/http"
	"net/netip"
)

// FromHTTP fills a Request from a request received by a net/http server:
// the Host header as sent (with its port), the escaped path, TLS and SNI,
// and the addresses of both ends. It does not allocate beyond what
// EscapedPath needs for paths the client sent in an unusual encoding.
func FromHTTP(r *http.Request) Request {
	req := Request{
		Method:  r.Method,
		Host:    r.Host,
		Path:    r.URL.EscapedPath(),
		Headers: r.Header,
	}
	if r.TLS != nil {
		req.TLS = true
		req.SNI = r.TLS.ServerName
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		req.SrcIP, req.SrcPort = ap.Addr().Unmap(), int(ap.Port())
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if tcp, ok := a.(*net.TCPAddr); ok {
			ap := tcp.AddrPort()
			req.DstIP, req.DstPort = ap.Addr().Unmap(), int(ap.Port())
		}
	}
	return req
}
