package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/gantryhq/gantry/internal/snapshot"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

// HTTP is a component serving one handler on the listeners of one setting:
// the status listener and the Admin API. Listeners marked ssl use Cert and
// Key (a self-signed certificate when Cert is empty).
type HTTP struct {
	// Component is "status" or "admin"; it names the settings:
	// <component>_listen, <component>_ssl_cert, <component>_ssl_cert_key.
	Component string
	Handler   http.Handler
	// Cert and Key are <component>_ssl_cert and _key: a path or inline PEM.
	Cert, Key string
	// ClientCA, when set, makes ssl listeners require a client certificate
	// it signed (admin_ssl_client_ca).
	ClientCA string
	Logger   *slog.Logger

	servers []*http.Server
}

// Name implements Component.
func (h *HTTP) Name() string { return h.Component }

// Listen implements Component.
func (h *HTTP) Listen() string { return h.Component + "_listen" }

// Start implements Component.
func (h *HTTP) Start(_ context.Context, lns []Listener, fail func(error)) error {
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkAdminClientCA(lns, h.ClientCA); err != nil {
		closeAll(lns)
		return err
	}
	// Every server is made before any serves, so a bad certificate stops
	// start-up with nothing left running.
	srvs := make([]*http.Server, len(lns))
	for i, ln := range lns {
		// net/http's own complaints (TLS handshake failures, bad requests)
		// go to the log at debug level, tagged with the listener.
		errLog := slog.NewLogLogger(log.With("listener", h.Component).Handler(), slog.LevelDebug)
		srv := &http.Server{Handler: h.Handler, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: errLog}
		if ln.Spec.SSL {
			c, err := KeyPair(h.Cert, h.Key)
			if err != nil {
				closeAll(lns)
				return fmt.Errorf("%s_ssl_cert: %w", h.Component, err)
			}
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*c}, MinVersion: tls.VersionTLS12}
			if err := requireAdminClientCert(srv.TLSConfig, h.ClientCA); err != nil {
				closeAll(lns)
				return fmt.Errorf("admin_ssl_client_ca: %w", err)
			}
		}
		srvs[i] = srv
	}
	h.servers = srvs
	for i, srv := range srvs {
		ln := lns[i]
		go func() {
			if ln.Spec.SSL {
				fail(srv.ServeTLS(ln, "", ""))
				return
			}
			fail(srv.Serve(ln))
		}()
	}
	return nil
}

// Stop implements Component: in-flight requests finish within ctx.
func (h *HTTP) Stop(ctx context.Context) error { return Shutdown(ctx, h.servers) }

// Shutdown shuts every server down, letting in-flight requests finish
// within ctx, and returns the first error.
func Shutdown(ctx context.Context, servers []*http.Server) error {
	var first error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// KeyPair loads a certificate and key, each a file path or inline PEM; with
// neither it makes a self-signed certificate, as Kong does.
func KeyPair(cert, key string) (*tls.Certificate, error) {
	if cert == "" {
		return snapshot.NewDefaultCertificate()
	}
	certPEM, err := pemOrFile(cert, false)
	if err != nil {
		return nil, err
	}
	keyPEM, err := pemOrFile(key, true)
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
// A secret v (a private key's setting) is never put in the error: a key
// pasted in another form than PEM would be printed whole.
func pemOrFile(v string, secret bool) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		return []byte(v), nil
	}
	data, err := os.ReadFile(v)
	switch {
	case err == nil:
		return data, nil
	case secret && errors.Is(err, fs.ErrNotExist):
		// Not a file: the value may be a key pasted in another form than
		// PEM, never to be printed.
		return nil, errors.New("the value of the key's setting is neither a PEM block nor an existing file")
	}
	return nil, fmt.Errorf("cannot read %s (running as %s): %w", v, whoami(), err)
}
