package proxy

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
)

// peerInfo is what requests learn from their connection's addresses:
// parsed and rendered once per connection instead of once per request.
// It is immutable once published.
type peerInfo struct {
	remote     string     // the RemoteAddr it was computed from
	parsed     bool       // remote is an ip:port
	addr       netip.Addr // the peer's address (unmapped)
	port       int
	ip         string // addr rendered, or remote when unparsable
	peerIP     string // who connected: the peer, or its PROXY protocol balancer
	trusted    bool   // the peer (or balancer) is in Options.TrustedIPs
	local      netip.Addr
	localPort  int
	serverPort string
}

// connInfo caches a connection's peerInfo. HTTP/2 streams of one
// connection run concurrently, hence the atomic pointer.
type connInfo struct{ peer atomic.Pointer[peerInfo] }

type connInfoKey struct{}

// withConnInfo is every server's ConnContext: it gives the connection a
// cache for its peerInfo, and on PROXY protocol listeners records the
// balancer.
func withConnInfo(proxyProtocol bool) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		ctx = context.WithValue(ctx, connInfoKey{}, &connInfo{})
		if proxyProtocol {
			ctx = withBalancerPeer(ctx, c)
		}
		return ctx
	}
}

// peer returns r's peerInfo from its connection's cache, computing it on
// the connection's first request (or without a cache, as for h2c
// upgrades).
func (p *Proxy) peer(r *http.Request) *peerInfo {
	ci, _ := r.Context().Value(connInfoKey{}).(*connInfo)
	if ci != nil {
		if pi := ci.peer.Load(); pi != nil && pi.remote == r.RemoteAddr {
			return pi
		}
	}
	pi := p.newPeerInfo(r)
	if ci != nil {
		ci.peer.Store(pi)
	}
	return pi
}

func (p *Proxy) newPeerInfo(r *http.Request) *peerInfo {
	pi := &peerInfo{remote: r.RemoteAddr, ip: r.RemoteAddr, peerIP: r.RemoteAddr}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		addr := ap.Addr().Unmap()
		pi.parsed, pi.addr, pi.port = true, addr, int(ap.Port())
		pi.ip = addr.String()
		pi.peerIP = pi.ip
		// Behind a PROXY protocol balancer, trust is the balancer's (as
		// Kong checks realip_remote_addr) and it is the peer in X-Forwarded-For.
		if lb, ok := balancerPeer(r.Context()); ok {
			pi.peerIP = lb.String()
			addr = lb
		}
		pi.trusted = p.trusted(addr)
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		ap := la.AddrPort()
		pi.local, pi.localPort = ap.Addr().Unmap(), int(ap.Port())
		pi.serverPort = strconv.Itoa(la.Port)
	}
	return pi
}

// hostOnly is host without its port; unlike net.SplitHostPort it costs
// nothing for the common Host without a port.
func hostOnly(host string) string {
	if strings.IndexByte(host, ':') < 0 {
		return host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
