package server

import (
	"context"
	"log/slog"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// engine is the node's data path: the proxy and how configs reach it.
type engine struct {
	p      *proxy.Proxy
	log    *slog.Logger
	chains snapshot.ChainBuilder
}

func newEngine(s *config.Config, log *slog.Logger, chains snapshot.ChainBuilder) *engine {
	maxConns := s.Proxy.MaxConnections
	if maxConns == 0 {
		maxConns = -1 // proxy_max_connections = 0 means unlimited; the proxy says so with a negative
	}
	return &engine{
		log:    log,
		chains: chains,
		p: proxy.New(proxy.Options{
			Logger:            log,
			MaxHeaderBytes:    s.Proxy.MaxHeaderBytes,
			MaxHeaderCount:    s.Proxy.MaxHeaders,
			ReadHeaderTimeout: s.Proxy.HeaderTimeout,
			BodyReadTimeout:   s.Proxy.BodyTimeout,
			IdleTimeout:       s.Proxy.IdleTimeout,
			MaxConns:          maxConns,
		}),
	}
}

// apply builds a snapshot of cfg next to the running one and swaps it in;
// on error the running snapshot is untouched.
func (e *engine) apply(cfg *entity.Config) error {
	next, err := snapshot.Build(cfg, e.p.Current(), snapshot.Options{
		Logger:   e.log,
		Balancer: balancer.Options{Logger: e.log},
		Chains:   e.chains,
	})
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

func (e *engine) stats() Stats {
	st := e.p.Stats()
	return Stats{
		ConnectionsActive:   st.ConnectionsActive,
		ConnectionsAccepted: st.ConnectionsAccepted,
		TotalRequests:       st.TotalRequests,
		ByClass:             st.ByClass,
	}
}
