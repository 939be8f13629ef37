// Package engine is the proxy side of a node: it builds each configuration
// the pipeline applies into an immutable snapshot (router, balancers, plugin
// chains, certificates), swaps it into the proxy, and serves the proxy
// listeners as the node's "proxy" component. A control plane has none.
package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/snapshot"
	"github.com/gantryhq/gantry/internal/status"
)

// Engine is the proxy and how configurations reach it. It is the
// pipeline's Applier and the node's proxy Component.
type Engine struct {
	p           *proxy.Proxy
	defaultCert *tls.Certificate // ssl_cert; nil lets the snapshot make a self-signed one
	log         *slog.Logger
	plugins     *plugin.Registry // nil without plugins
	nodeID      string           // for /upstreams/{u}/health, set by RegisterUpstreams
}

// New returns the engine of the settings' proxy, building plugin chains
// from plugins (nil runs none).
func New(s *settings.Settings, log *slog.Logger, plugins *plugin.Registry) (*Engine, error) {
	maxConns := s.Proxy.MaxConnections
	if maxConns == 0 {
		maxConns = -1 // proxy_max_connections = 0 means unlimited; the proxy says so with a negative
	}
	var def *tls.Certificate
	if s.SSLCert != "" {
		var err error
		if def, err = node.KeyPair(s.SSLCert, s.SSLCertKey); err != nil {
			return nil, fmt.Errorf("ssl_cert: %w", err)
		}
	}
	return &Engine{
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

// Apply builds a snapshot of u's configuration next to the running one and
// swaps it in; on error the running snapshot is untouched. It implements
// pipeline.Applier.
func (e *Engine) Apply(_ context.Context, u pipeline.Update) error {
	opts := snapshot.Options{Logger: e.log, Balancer: balancer.Options{Logger: e.log}, DefaultCert: e.defaultCert,
		Digest: u.Config.Digest(), Validated: true}
	if e.plugins != nil {
		opts.Plugins = e.plugins
	}
	next, err := snapshot.Build(u.Config.Config(), e.p.Current(), opts)
	if err != nil {
		return err
	}
	e.p.Swap(next)
	return nil
}

// Name implements node.Component.
func (e *Engine) Name() string { return "proxy" }

// Listen implements node.Component.
func (e *Engine) Listen() string { return "proxy_listen" }

// Start implements node.Component: it serves every proxy listener.
func (e *Engine) Start(_ context.Context, lns []node.Listener, fail func(error)) error {
	for _, ln := range lns {
		go func() {
			fail(e.p.Serve(ln, proxy.ListenOptions{TLS: ln.Spec.SSL, HTTP2: ln.Spec.HTTP2, ProxyProtocol: ln.Spec.ProxyProtocol}))
		}()
	}
	return nil
}

// Stop implements node.Component: it stops accepting, lets in-flight
// requests finish within ctx, then retires the last snapshot's balancers
// (health checks, DNS refresh).
func (e *Engine) Stop(ctx context.Context) error {
	err := e.p.Shutdown(ctx)
	e.p.Current().Retire(nil)
	return err
}

// Hash is the running configuration's hash, "" before the first apply.
func (e *Engine) Hash() string {
	if s := e.p.Current(); s != nil {
		return s.Hash()
	}
	return ""
}

// ServerStatus is the "server" part of GET /status (status.Options.Server).
func (e *Engine) ServerStatus() status.Server {
	s := e.p.Stats()
	return status.Server{ConnectionsActive: s.ConnectionsActive, ConnectionsAccepted: s.ConnectionsAccepted, TotalRequests: s.TotalRequests}
}
