package app

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"

	"github.com/gantryhq/gantry/internal/node"
)

// peerServer is a data plane's cluster_peer_listen: it serves the node's
// signed config cache to data planes started while the control plane is
// down (docs/hybrid.md), over mutual TLS with the cluster certificates.
type peerServer struct {
	handler http.Handler
	tls     *tls.Config
	log     *slog.Logger
	servers []*http.Server
}

// Name implements node.Component.
func (p *peerServer) Name() string { return "cluster peers" }

// Listen implements node.Component.
func (p *peerServer) Listen() string { return "cluster_peer_listen" }

// Start implements node.Component.
func (p *peerServer) Start(_ context.Context, lns []node.Listener, fail func(error)) error {
	// Failed handshakes (a node with a foreign certificate) are logged
	// with the peer's address and the reason.
	errLog := slog.NewLogLogger(p.log.With("component", "cluster", "listener", "cluster_peer").Handler(), slog.LevelWarn)
	for _, ln := range lns {
		srv := &http.Server{Handler: p.handler, TLSConfig: p.tls, ErrorLog: errLog,
			ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute, IdleTimeout: time.Minute}
		p.servers = append(p.servers, srv)
		go func() { fail(srv.ServeTLS(ln, "", "")) }()
	}
	return nil
}

// Stop implements node.Component.
func (p *peerServer) Stop(ctx context.Context) error { return node.Shutdown(ctx, p.servers) }
