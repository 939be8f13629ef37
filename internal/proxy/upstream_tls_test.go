package proxy_test

import (
	"crypto/tls"
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
