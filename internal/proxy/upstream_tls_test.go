package proxy_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

func TestUpstreamTLS(t *testing.T) {
	t.Parallel()
	certPEMs, keyPEM := certPEM(t, "localhost")
	pair, err := tls.X509KeyPair([]byte(certPEMs), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"sni": r.TLS.ServerName, "host": r.Host})
	}))
	up.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	up.StartTLS()
	t.Cleanup(up.Close)
	ca := &entity.CACertificate{Meta: entity.Meta{ID: uuid.NewString()}, Cert: certPEMs}
	entity.Normalize(ca)

	url := "https://localhost:" + itoa(port(t, up.Listener.Addr().String()))
	on := true
	tests := []struct {
		name   string
		edit   func(*entity.Service)
		status int
	}{
		{"tls_verify off trusts anything", func(*entity.Service) {}, 200},
		{"tls_verify with the upstream's CA", func(s *entity.Service) { s.TLSVerify, s.CACertificates = &on, []string{ca.ID} }, 200},
		{"tls_verify without a matching CA fails", func(s *entity.Service) { s.TLSVerify = &on }, 502},
	}
	g := newGateway(t, proxy.Options{}, nil)
	cfg := &entity.Config{CACertificates: []*entity.CACertificate{ca}}
	for i, tt := range tests {
		svc := newService(url, tt.edit, func(s *entity.Service) { s.Retries = 0 })
		cfg.Services = append(cfg.Services, svc)
		cfg.Routes = append(cfg.Routes, newRoute(svc, []string{"/" + itoa(i)}))
	}
	g.apply(cfg)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, g.url()+"/"+itoa(i))
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			var got map[string]string
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got["sni"] != "localhost" {
				t.Errorf("upstream saw SNI %q, want localhost (the upstream Host)", got["sni"])
			}
		})
	}
}

func TestUpstreamHostHeader(t *testing.T) {
	t.Parallel()
	a := echoServer(t, "a")
	addr := a.Listener.Addr().String()
	plainUp, plainTargets, plainSvc := newUpstream("plain.upstream", addr)
	namedUp, namedTargets, namedSvc := newUpstream("named.upstream", addr)
	namedUp.HostHeader = "virtual.example"
	g := newGateway(t, proxy.Options{}, nil)
	g.apply(&entity.Config{
		Services:  []*entity.Service{plainSvc, namedSvc},
		Upstreams: []*entity.Upstream{plainUp, namedUp},
		Targets:   append(plainTargets, namedTargets...),
		Routes:    []*entity.Route{newRoute(plainSvc, []string{"/plain"}), newRoute(namedSvc, []string{"/named"})},
	})
	tests := []struct{ name, path, want string }{
		{"the target's host and port", "/plain", addr},
		{"the upstream's host_header", "/named", "virtual.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, g.url()+tt.path, "Host", "client.example")
			var e echo
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if e.Host != tt.want {
				t.Errorf("upstream Host = %q, want %q", e.Host, tt.want)
			}
		})
	}
}

// TestUpstreamClientCertificate: a service's client_certificate is shown
// to an upstream that requires one (mutual TLS).
func TestUpstreamClientCertificate(t *testing.T) {
	t.Parallel()
	serverCert, serverKey := certPEM(t, "localhost")
	serverPair, err := tls.X509KeyPair([]byte(serverCert), []byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	client := newCertificate(t, []string{"gantry-client"})
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM([]byte(client.Cert))
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	up.TLS = &tls.Config{Certificates: []tls.Certificate{serverPair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	up.StartTLS()
	t.Cleanup(up.Close)

	url := "https://localhost:" + itoa(port(t, up.Listener.Addr().String()))
	withCert := newService(url, func(s *entity.Service) { s.ClientCertificate = &entity.Ref{ID: client.ID} })
	without := newService(url, func(s *entity.Service) { s.Retries = 0 })
	g := newGateway(t, proxy.Options{}, nil)
	g.apply(&entity.Config{
		Certificates: []*entity.Certificate{client},
		Services:     []*entity.Service{withCert, without},
		Routes:       []*entity.Route{newRoute(withCert, []string{"/with"}), newRoute(without, []string{"/without"})},
	})
	if res, body := get(t, g.url()+"/with"); res.StatusCode != http.StatusOK || string(body) != "gantry-client" {
		t.Errorf("with client_certificate: %d %q, want 200 from an upstream that saw gantry-client", res.StatusCode, body)
	}
	if res, body := get(t, g.url()+"/without"); res.StatusCode != http.StatusBadGateway {
		t.Errorf("without client_certificate: %d %s, want 502", res.StatusCode, body)
	}
}
