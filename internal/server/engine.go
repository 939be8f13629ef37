package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// engine is the node's data path: the proxy and how configs reach it.
type engine struct {
	p           *proxy.Proxy
	defaultCert *tls.Certificate // ssl_cert; nil lets the snapshot make a self-signed one
	log         *slog.Logger
	plugins     *plugin.Registry // nil without plugins
}

func newEngine(s *config.Config, log *slog.Logger, plugins *plugin.Registry) (*engine, error) {
	maxConns := s.Proxy.MaxConnections
	if maxConns == 0 {
		maxConns = -1 // proxy_max_connections = 0 means unlimited; the proxy says so with a negative
	}
	var def *tls.Certificate
	if s.SSLCert != "" {
		var err error
		if def, err = keyPair(s.SSLCert, s.SSLCertKey); err != nil {
			return nil, fmt.Errorf("ssl_cert: %w", err)
		}
	}
	return &engine{
		log:         log,
		plugins:     plugins,
		defaultCert: def,
		p: proxy.New(proxy.Options{
			Logger:            log,
			MaxHeaderBytes:    s.Proxy.MaxHeaderBytes,
			MaxHeaderCount:    s.Proxy.MaxHeaders,
			ReadHeaderTimeout: s.Proxy.HeaderTimeout,
			BodyReadTimeout:   s.Proxy.BodyTimeout,
			IdleTimeout:       s.Proxy.IdleTimeout,
			MaxConns:          maxConns,
			MaxBodyBytes:      int64(s.Proxy.MaxBodySize),
			BodyMemoryBytes:   s.Proxy.BodyBufferSize,
			TrustedIPs:        s.Proxy.TrustedIPs,
		}),
	}, nil
}

// apply builds a snapshot of cfg next to the running one and swaps it in;
// on error the running snapshot is untouched. k says what the caller
// already knows of cfg (its digest, that it is valid).
func (e *engine) apply(cfg *entity.Config, k known) error {
	opts := snapshot.Options{Logger: e.log, Balancer: balancer.Options{Logger: e.log}, DefaultCert: e.defaultCert,
		Digest: k.digest, Validated: k.validated}
	if e.plugins != nil {
		opts.Plugins = e.plugins
	}
	next, err := snapshot.Build(cfg, e.p.Current(), opts)
	if err != nil {
		return err
	}
	e.p.Swap(next)
	return nil
}

func (e *engine) serve(ln listener) error {
	return e.p.Serve(ln, proxy.ListenOptions{TLS: ln.spec.SSL, HTTP2: ln.spec.HTTP2, ProxyProtocol: ln.spec.ProxyProtocol})
}

func (e *engine) shutdown(ctx context.Context) error { return e.p.Shutdown(ctx) }

// close retires the last snapshot's balancers (health checks, DNS refresh).
func (e *engine) close() { e.p.Current().Retire(nil) }

func (e *engine) hash() string {
	if s := e.p.Current(); s != nil {
		return s.Hash()
	}
	return ""
}

func (e *engine) empty() bool {
	s := e.p.Current()
	return s == nil || s.Empty()
}

func (e *engine) stats() proxy.Stats { return e.p.Stats() }
