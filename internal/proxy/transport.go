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

// transports caches one *http.Transport per snapshot.Service.TransportKey,
// so keep-alive connections survive config changes. Lookups are lock-free
// (sync.Map with stable keys).
type transports struct{ m sync.Map }

func (t *transports) get(svc *snapshot.Service) http.RoundTripper {
	if v, ok := t.m.Load(svc.TransportKey); ok {
		return v.(*http.Transport)
	}
	nt := newTransport(svc)
	v, loaded := t.m.LoadOrStore(svc.TransportKey, nt)
	if loaded {
		nt.CloseIdleConnections()
	}
	return v.(*http.Transport)
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
			v.(*http.Transport).CloseIdleConnections()
		}
		return true
	})
}

// closeIdle closes every pooled idle upstream connection (shutdown).
func (t *transports) closeIdle() {
	t.m.Range(func(_, v any) bool {
		v.(*http.Transport).CloseIdleConnections()
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

func newTransport(svc *snapshot.Service) *http.Transport {
	dialer := &net.Dialer{Timeout: svc.ConnectTimeout, KeepAlive: tcpKeepAlive}
	wt := svc.WriteTimeout
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil || wt <= 0 {
			return c, err
		}
		return &writeTimeoutConn{Conn: c, timeout: wt}, nil
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
	return t
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
