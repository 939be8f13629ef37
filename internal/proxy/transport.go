package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/snapshot"
)

// Upstream keep-alive pool settings, after Kong's upstream_keepalive_*.
const (
	idlePerHost  = 256
	idleTimeout  = 60 * time.Second
	tcpKeepAlive = 30 * time.Second
)

// transports caches one upstream per snapshot.Service.TransportKey, so
// keep-alive connections survive config changes. Lookups are lock-free
// (sync.Map with stable keys).
type transports struct{ m sync.Map }

// upstream is the connection pools of one TransportKey: net/http's
// Transport for every kind of request, and for plain-text HTTP/1.1
// services the h1Pool fast path (nil otherwise).
type upstream struct {
	std *http.Transport
	h1  *h1Pool
}

func (u *upstream) closeIdle(final bool) {
	u.std.CloseIdleConnections()
	if u.h1 != nil {
		u.h1.closeIdle(final)
	}
}

func (t *transports) get(svc *snapshot.Service) *upstream {
	if v, ok := t.m.Load(svc.TransportKey); ok {
		return v.(*upstream)
	}
	nt := newUpstream(svc)
	v, loaded := t.m.LoadOrStore(svc.TransportKey, nt)
	if loaded {
		nt.closeIdle(true)
	}
	return v.(*upstream)
}

// prune forgets the transports no service of next uses and closes their
// idle connections; requests still using one finish normally.
func (t *transports) prune(next *snapshot.Snapshot) {
	used := map[string]bool{}
	if next != nil {
		for _, s := range next.Config().Services {
			if svc := next.Service(s.ID); svc != nil {
				used[svc.TransportKey] = true
			}
		}
	}
	t.m.Range(func(k, v any) bool {
		if !used[k.(string)] {
			t.m.Delete(k)
			v.(*upstream).closeIdle(true)
		}
		return true
	})
}

// closeIdle closes every pooled idle upstream connection, and the fast
// path's connections as requests finish with them (shutdown).
func (t *transports) closeIdle() {
	t.m.Range(func(_, v any) bool {
		v.(*upstream).closeIdle(true)
		return true
	})
}

// sniKey carries the server name of a TLS attempt to the dialer.
type sniKey struct{}

// sniFor is the TLS server name of an attempt: the Host header sent
// upstream, without port, as nginx's proxy_ssl_server_name does. IP
// addresses are not sent as SNI.
func sniFor(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}

func newUpstream(svc *snapshot.Service) *upstream {
	dialer := &net.Dialer{Timeout: svc.ConnectTimeout, KeepAlive: tcpKeepAlive}
	wt := svc.WriteTimeout
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil || wt <= 0 {
			return c, err
		}
		return &writeTimeoutConn{Conn: c, timeout: wt}, nil
	}
	u := &upstream{}
	if svc.TLS == nil && !svc.HTTP2 {
		u.h1 = newH1Pool(dial)
	}
	t := &http.Transport{
		DialContext:           dial,
		MaxIdleConnsPerHost:   idlePerHost,
		IdleConnTimeout:       idleTimeout,
		ResponseHeaderTimeout: svc.ReadTimeout,
		DisableCompression:    true, // pass bodies through as the upstream encoded them
		ForceAttemptHTTP2:     svc.HTTP2,
	}
	switch {
	case svc.TLS != nil:
		base := svc.TLS
		protos := []string{"http/1.1"}
		if svc.HTTP2 {
			protos = []string{"h2"}
		}
		t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cfg := base.Clone()
			cfg.NextProtos = protos
			cfg.ServerName, _ = ctx.Value(sniKey{}).(string)
			tc := tls.Client(raw, cfg)
			hctx := ctx
			if svc.ConnectTimeout > 0 {
				var cancel context.CancelFunc
				hctx, cancel = context.WithTimeout(ctx, svc.ConnectTimeout)
				defer cancel()
			}
			if err := tc.HandshakeContext(hctx); err != nil {
				raw.Close()
				return nil, err
			}
			return tc, nil
		}
	case svc.HTTP2:
		t.Protocols = new(http.Protocols)
		t.Protocols.SetUnencryptedHTTP2(true) // h2c with prior knowledge, as gRPC servers expect
	}
	u.std = t
	return u
}

// writeTimeoutConn enforces the service's write_timeout on every write to
// the upstream (nginx's proxy_send_timeout: between two writes).
type writeTimeoutConn struct {
	net.Conn
	timeout time.Duration
}

func (c *writeTimeoutConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}
