package node_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/settings"
)

// certFiles writes a self-signed certificate for cn and its key as PEM files.
func certFiles(t *testing.T, cn string) (certPath, keyPath string) {
	t.Helper()
	c := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{cn}, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return c.WriteFiles(t, t.TempDir(), "cert")
}

// TestConfiguredCertificates serves the proxy's default certificate
// (ssl_cert) and the status listener's (status_ssl_cert) from files.
func TestConfiguredCertificates(t *testing.T) {
	t.Parallel()
	proxyCert, proxyKey := certFiles(t, "proxy.gantry.test")
	statusCert, statusKey := certFiles(t, "status.gantry.test")
	n := runNode(t, setup{settings: nodeSettings(t,
		settings.Flag{Key: "proxy_listen", Value: "127.0.0.1:0 ssl"},
		settings.Flag{Key: "ssl_cert", Value: proxyCert},
		settings.Flag{Key: "ssl_cert_key", Value: proxyKey},
		settings.Flag{Key: "status_listen", Value: "127.0.0.1:0 ssl"},
		settings.Flag{Key: "status_ssl_cert", Value: statusCert},
		settings.Flag{Key: "status_ssl_cert_key", Value: statusKey},
	)})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tests := []struct{ name, url, wantCN string }{
		{"proxy", n.Listeners().Proxy[0].URL() + "/", "proxy.gantry.test"},
		{"status", n.Listeners().Status[0].URL() + "/status", "status.gantry.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if cn := resp.TLS.PeerCertificates[0].Subject.CommonName; cn != tt.wantCN {
				t.Fatalf("%s listener presented %q, want %q", tt.name, cn, tt.wantCN)
			}
		})
	}
}

func TestBadProxyCertificate(t *testing.T) {
	t.Parallel()
	cert, _ := certFiles(t, "x.test")
	_, err := newNode(setup{settings: nodeSettings(t, settings.Flag{Key: "ssl_cert", Value: cert}, settings.Flag{Key: "ssl_cert_key", Value: cert})})
	if err == nil || !containsAll(err.Error(), "ssl_cert", "pair") {
		t.Fatalf("New with a cert as its own key = %v, want an ssl_cert error", err)
	}
}

func TestStatusOverTLS(t *testing.T) {
	t.Parallel()
	n := runNode(t, setup{settings: nodeSettings(t, settings.Flag{Key: "status_listen", Value: "127.0.0.1:0 ssl"})})
	b := n.Listeners().Status[0]
	if !b.SSL || !strings.HasPrefix(b.URL(), "https://") {
		t.Fatalf("status listener %+v, want ssl", b)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(b.URL() + "/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("GET /status over TLS = %d (tls %v)", resp.StatusCode, resp.TLS != nil)
	}
}

func TestBadListenerCertificateStopsStart(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.crt")
	s := nodeSettings(t,
		settings.Flag{Key: "status_listen", Value: "127.0.0.1:0 ssl"},
		settings.Flag{Key: "status_ssl_cert", Value: missing},
		settings.Flag{Key: "status_ssl_cert_key", Value: missing + ".key"})
	n, err := newNode(setup{settings: s})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "status_ssl_cert") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Run = %v, want an error naming status_ssl_cert and the file", err)
	}
	if _, err := os.Stat(filepath.Join(s.Prefix, node.ListenersFile)); !os.IsNotExist(err) {
		t.Errorf("listeners.json left behind by a failed start (%v)", err)
	}
}
