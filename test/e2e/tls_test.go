package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

// certificatesYAML is a declarative certificates list: one entry per pair,
// its SNIs given by the shorthand.
func certificatesYAML(pairs map[string]entitytest.Cert) string {
	var b strings.Builder
	b.WriteString("certificates:\n")
	for sni, c := range pairs {
		b.WriteString("- cert: |\n" + indent(c.Cert, 4) + "  key: |\n" + indent(c.Key, 4) + "  snis: [" + sni + "]\n")
	}
	return b.String()
}

// TestTLSCertificatesBySNI: two certificates from the declarative file, each
// served for its own SNI and verified by a client that trusts only them, and
// routes told apart by snis.
func TestTLSCertificatesBySNI(t *testing.T) {
	t.Parallel()
	a := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{"a.test"}})
	b := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{"b.test"}, RSA: true})
	up := newEchoUpstream(t)
	routes := []routeSpec{
		{"sni-a", []string{"snis: [a.test]", "paths: [/]", "strip_path: false"}},
		{"sni-b", []string{"snis: [b.test]", "paths: [/]", "strip_path: false"}},
	}
	doc := servicePerRoute(up.URL, routes, certificatesYAML(map[string]entitytest.Cert{"a.test": a, "b.test": b}))
	n := startDBLess(t, declFile(t, doc), "GANTRY_PROXY_LISTEN=127.0.0.1:0, 127.0.0.1:0 ssl")
	addr := n.Listeners.Proxy[1].Address

	trusted := x509.NewCertPool()
	for _, c := range []entitytest.Cert{a, b} {
		if !trusted.AppendCertsFromPEM([]byte(c.Cert)) {
			t.Fatal("test certificate does not parse")
		}
	}
	client := func(cfg *tls.Config) *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	for _, tt := range []struct{ sni, wantRoute string }{{"a.test", "sni-a"}, {"b.test", "sni-b"}} {
		t.Run(tt.sni, func(t *testing.T) {
			c := client(&tls.Config{ServerName: tt.sni, RootCAs: trusted})
			code, body := request(t, c, http.MethodGet, "https://"+addr+"/x", tt.sni)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if route, e := routedTo(t, body); route != tt.wantRoute || e.Path != "/s-"+tt.wantRoute+"/x" {
				t.Errorf("served by %q (path %q), want %q", route, e.Path, tt.wantRoute)
			}
		})
	}
	t.Run("an unknown SNI gets the default certificate and no sni route", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "c.test", RootCAs: trusted})
		if err == nil {
			conn.Close()
			t.Fatal("a client trusting only a.test and b.test accepted the certificate served for c.test")
		}
		c := client(&tls.Config{ServerName: "c.test", InsecureSkipVerify: true}) // the node's self-signed default
		code, body := request(t, c, http.MethodGet, "https://"+addr+"/x", "c.test")
		if code != http.StatusNotFound {
			t.Fatalf("status %d: %s, want 404: routes with snis must not match another SNI", code, body)
		}
	})
}
