package proxy_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// tlsClient trusts nothing but records the certificate it was shown.
func handshakeCert(t *testing.T, addr, sni string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS dial with SNI %q: %v", sni, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func TestCertificateBySNI(t *testing.T) {
	t.Parallel()
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{"tls": {TLS: true}})
	a := newCertificate(t, []string{"a.example.com"}, "a.example.com")
	b := newCertificate(t, []string{"b.example.com", "*.wild.example.com"}, "b.example.com", "*.wild.example.com")
	c := newCertificate(t, []string{"shop.example"}, "shop.*")
	g.apply(&entity.Config{Certificates: []*entity.Certificate{a, b, c}})

	tests := []struct {
		name, sni, wantCN string
	}{
		{"first certificate", "a.example.com", "a.example.com"},
		{"second certificate", "b.example.com", "b.example.com"},
		{"sni matching is case-insensitive", "A.Example.COM", "a.example.com"},
		{"leading wildcard", "x.wild.example.com", "b.example.com"},
		{"leading wildcard covers one label only", "x.y.wild.example.com", "localhost"},
		{"trailing wildcard", "shop.org", "shop.example"},
		{"unknown name gets the default certificate", "other.example.com", "localhost"},
		{"no SNI gets the default certificate", "", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := handshakeCert(t, g.addrs["tls"], tt.sni)
			if cert.Subject.CommonName != tt.wantCN {
				t.Errorf("served certificate CN = %q, want %q", cert.Subject.CommonName, tt.wantCN)
			}
		})
	}
}

func TestDefaultCertificateSurvivesSwaps(t *testing.T) {
	t.Parallel()
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{"tls": {TLS: true}})
	g.apply(&entity.Config{})
	first := handshakeCert(t, g.addrs["tls"], "nobody.example")
	g.apply(&entity.Config{Certificates: []*entity.Certificate{newCertificate(t, []string{"a.example"}, "a.example")}})
	second := handshakeCert(t, g.addrs["tls"], "nobody.example")
	if !first.Equal(second) {
		t.Error("the default certificate changed across a config swap")
	}
}

func TestHTTPSRedirect(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{"tls": {TLS: true}})
	svc := newService(up.URL)
	httpsOnly := func(code int) func(*entity.Route) {
		return func(r *entity.Route) {
			r.Protocols = []string{"https"}
			r.HTTPSRedirectStatusCode = code
		}
	}
	g.apply(&entity.Config{
		Services: []*entity.Service{svc},
		Routes: []*entity.Route{
			newRoute(svc, []string{"/upgrade"}, httpsOnly(426)),
			newRoute(svc, []string{"/moved"}, httpsOnly(301)),
		},
	})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	t.Run("426 asks for TLS", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, g.url()+"/upgrade/x", nil)
		res, body := do(t, noRedirect, req)
		wantGatewayError(t, res, body, 426, "Please use HTTPS protocol")
		if res.Header.Get("Upgrade") != "TLS/1.2, HTTP/1.1" || res.Header.Get("Connection") != "Upgrade" {
			t.Errorf("Upgrade = %q, Connection = %q", res.Header.Get("Upgrade"), res.Header.Get("Connection"))
		}
	})
	t.Run("301 redirects to the https URL", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, g.url()+"/moved/x?q=1", nil)
		req.Host = "api.example.com"
		res, _ := do(t, noRedirect, req)
		if res.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("status = %d, want 301", res.StatusCode)
		}
		if loc := res.Header.Get("Location"); loc != "https://api.example.com/moved/x?q=1" {
			t.Errorf("Location = %q", loc)
		}
	})
	t.Run("the same route serves https", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		req, _ := http.NewRequest(http.MethodGet, "https://"+g.addrs["tls"]+"/upgrade/x", nil)
		res, body := do(t, c, req)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d: %s", res.StatusCode, body)
		}
		var e echo
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Header.Get("X-Forwarded-Proto") != "https" {
			t.Errorf("X-Forwarded-Proto = %q, want https", e.Header.Get("X-Forwarded-Proto"))
		}
	})
}
