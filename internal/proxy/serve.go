package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"golang.org/x/net/netutil"
)

// ListenOptions are the per-address options of proxy_listen.
type ListenOptions struct {
	// TLS terminates TLS with certificates chosen by SNI from the current
	// snapshot ("ssl").
	TLS bool
	// HTTP2 enables HTTP/2: ALPN h2 with TLS, h2c (prior knowledge and
	// Upgrade: h2c) without.
	HTTP2 bool
	// ProxyProtocol requires a PROXY protocol header (v1 or v2) at the
	// start of every connection, as sent by a load balancer; a connection
	// without one is closed. The client address it names replaces the
	// balancer's only when the balancer is in Options.TrustedIPs.
	ProxyProtocol bool
}

// Serve accepts connections on ln until Shutdown, which makes it return
// nil. Other errors are the listener's. ln is closed on return.
func (p *Proxy) Serve(ln net.Listener, lo ListenOptions) error {
	srv := p.newServer(lo)
	p.mu.Lock()
	if p.shutdown {
		p.mu.Unlock()
		ln.Close()
		return nil
	}
	p.servers[srv] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.servers, srv)
		p.mu.Unlock()
	}()

	if p.opts.MaxConns > 0 {
		ln = netutil.LimitListener(ln, p.opts.MaxConns)
	}
	if lo.ProxyProtocol {
		ln = &proxyProtoListener{Listener: ln, timeout: p.opts.ReadHeaderTimeout, trusted: p.trusted}
	}
	if lo.TLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (p *Proxy) newServer(lo ListenOptions) *http.Server {
	var h http.Handler = p
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	if lo.HTTP2 && lo.TLS {
		protos.SetHTTP2(true)
	}
	if lo.HTTP2 && !lo.TLS {
		// Prior knowledge is handled by net/http itself; the h2c
		// handler only takes the (rare) Upgrade: h2c requests.
		protos.SetUnencryptedHTTP2(true)
		h = h2c.NewHandler(p, &http2.Server{IdleTimeout: p.opts.IdleTimeout}) //nolint:staticcheck // only x/net still speaks h2c Upgrade
	}
	srv := &http.Server{
		Handler:           h,
		Protocols:         protos,
		ReadHeaderTimeout: p.opts.ReadHeaderTimeout,
		IdleTimeout:       p.opts.IdleTimeout,
		MaxHeaderBytes:    p.opts.MaxHeaderBytes,
		ConnState:         p.stats.connState,
		ConnContext:       withConnInfo(lo.ProxyProtocol),
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
	}
	if lo.TLS {
		next := []string{"http/1.1"}
		if lo.HTTP2 {
			next = []string{"h2", "http/1.1"}
		}
		srv.TLSConfig = &tls.Config{
			GetCertificate: p.certificate,
			NextProtos:     next,
			MinVersion:     tls.VersionTLS12,
		}
	}
	return srv
}

// certificate answers a TLS handshake from the current snapshot.
func (p *Proxy) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	s := p.snap.Load()
	if s == nil {
		return nil, errors.New("proxy: no configuration loaded yet")
	}
	return s.Certificates().Certificate(hello), nil
}

// Shutdown stops every listener from accepting, closes idle client
// connections and waits for requests in flight to finish, or for ctx to
// end (then it returns ctx's error). Hijacked connections (WebSocket,
// h2c Upgrade) are not waited for. Balancers belong to the snapshot
// owner: retire the last snapshot with p.Current().Retire(nil).
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.shutdown = true
	servers := make([]*http.Server, 0, len(p.servers))
	for s := range p.servers {
		servers = append(servers, s)
	}
	p.mu.Unlock()

	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { errs[i] = s.Shutdown(ctx) })
	}
	wg.Wait()
	p.transports.closeIdle()
	return errors.Join(errs...)
}
