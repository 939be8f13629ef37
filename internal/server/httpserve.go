package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/gantryhq/gantry/internal/snapshot"
)

// listenerSets holds every bound socket by kind.
type listenerSets struct {
	proxy, admin, status, cluster []listener
}

func (l *listenerSets) closeAll() {
	for _, set := range [][]listener{l.proxy, l.admin, l.status, l.cluster} {
		for _, ln := range set {
			ln.Close()
		}
	}
}

// bindListeners binds proxy and status listeners, admin ones when an Admin
// handler is given and cluster ones (control plane) when a Cluster hook is; a failure closes what was bound and names the setting.
func (n *Node) bindListeners(ctx context.Context) (*listenerSets, error) {
	s := n.settings
	sets := &listenerSets{}
	var err error
	if sets.proxy, err = bindAll(ctx, "proxy_listen", s.ProxyListen); err != nil {
		return nil, err
	}
	if sets.status, err = bindAll(ctx, "status_listen", s.StatusListen); err != nil {
		sets.closeAll()
		return nil, err
	}
	if n.admin != nil {
		if sets.admin, err = bindAll(ctx, "admin_listen", s.AdminListen); err != nil {
			sets.closeAll()
			return nil, err
		}
	}
	if n.opts.Cluster != nil {
		if sets.cluster, err = bindAll(ctx, "cluster_listen", s.ClusterListen); err != nil {
			sets.closeAll()
			return nil, err
		}
	}
	return sets, nil
}

// httpServer is the status or admin server on one listener.
type httpServer struct {
	*http.Server
	ln        listener
	component string // "status" or "admin"
}

func (h *httpServer) serve() error {
	if h.ln.spec.SSL {
		return h.ServeTLS(h.ln, "", "")
	}
	return h.Serve(h.ln)
}

// httpServers prepares the status and admin servers, with TLS on listeners
// marked ssl (status_ssl_cert / admin_ssl_cert, else a self-signed default).
func (n *Node) httpServers(sets *listenerSets) ([]*httpServer, error) {
	s := n.settings
	var out []*httpServer
	add := func(lns []listener, h http.Handler, component, cert, key string) error {
		for _, ln := range lns {
			srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: n.errorLog(component)}
			if ln.spec.SSL {
				c, err := keyPair(cert, key)
				if err != nil {
					return fmt.Errorf("%s_ssl_cert: %w", component, err)
				}
				srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*c}, MinVersion: tls.VersionTLS12}
				if component == "admin" {
					if err := requireAdminClientCert(srv.TLSConfig, s.AdminSSLClientCA); err != nil {
						return fmt.Errorf("admin_ssl_client_ca: %w", err)
					}
				}
			}
			out = append(out, &httpServer{Server: srv, ln: ln, component: component})
		}
		return nil
	}
	if err := add(sets.status, n.statusHandler(), "status", s.StatusSSLCert, s.StatusSSLCertKey); err != nil {
		return nil, err
	}
	if err := checkAdminClientCA(sets.admin, s.AdminSSLClientCA); err != nil {
		return nil, err
	}
	if err := add(sets.admin, n.admin, "admin", s.AdminSSLCert, s.AdminSSLCertKey); err != nil {
		return nil, err
	}
	return out, nil
}

// keyPair loads a certificate and key, each a file path or inline PEM; with
// neither it makes a self-signed certificate, as Kong does.
func keyPair(cert, key string) (*tls.Certificate, error) {
	if cert == "" {
		return snapshot.NewDefaultCertificate()
	}
	certPEM, err := pemOrFile(cert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := pemOrFile(key)
	if err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate and key do not form a pair: %w", err)
	}
	return &c, nil
}

// pemOrFile returns v itself when it is inline PEM, else the file it names.
func pemOrFile(v string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		return []byte(v), nil
	}
	data, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s (running as %s): %w", v, whoami(), err)
	}
	return data, nil
}

// errorLog routes net/http's own complaints (TLS handshake failures, bad
// requests) to the node's logger at debug level, tagged with the listener.
func (n *Node) errorLog(component string) *log.Logger {
	return slog.NewLogLogger(n.log.With("listener", component).Handler(), slog.LevelDebug)
}
