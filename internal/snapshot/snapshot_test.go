package snapshot_test

import (
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/snapshot"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// upstream returns an upstream named name and one target of it per address.
func upstream(name string, targets ...string) (*entity.Upstream, []*entity.Target) {
	u := fixture.Upstream(name)
	return u, fixture.Targets(u, targets...)
}

func build(t *testing.T, cfg *entity.Config, prev *snapshot.Snapshot) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Build(cfg, prev, snapshot.Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(func() { s.Retire(nil) })
	return s
}

func match(s *snapshot.Snapshot, path string) *snapshot.Route {
	_, r := s.Match(&router.Request{Method: "GET", Host: "example.com", Path: path})
	return r
}

func TestBuild(t *testing.T) {
	t.Parallel()
	up, targets := upstream("backend.internal", "127.0.0.1:9001", "127.0.0.1:9002")
	viaUpstream := fixture.Service("Backend.Internal")
	direct := fixture.Service("example.org", func(s *entity.Service) { s.Port = 8080 })
	off := fixture.Service("example.net", func(s *entity.Service) { s.Enabled = false })
	cfg := &entity.Config{
		Services:  []*entity.Service{viaUpstream, direct, off},
		Routes:    []*entity.Route{fixture.Route(viaUpstream, []string{"/up"}), fixture.Route(direct, []string{"/direct"}), fixture.Route(off, []string{"/off"})},
		Upstreams: []*entity.Upstream{up},
		Targets:   targets,
	}
	s := build(t, cfg, nil)

	if s.Hash() != cfg.Hash() || s.Empty() {
		t.Errorf("Hash = %s (config %s), Empty = %t", s.Hash(), cfg.Hash(), s.Empty())
	}
	r := match(s, "/up/x")
	if r == nil || r.Service == nil || r.Service.Upstream == nil || r.Service.Upstream.Balancer == nil {
		t.Fatalf("/up: route %+v should reach the upstream named by its service host (any case)", r)
	}
	if s.Upstream(up.ID) != r.Service.Upstream || s.Upstream("nope") != nil {
		t.Error("Upstream must find an upstream by id as well as by name")
	}
	d := match(s, "/direct")
	if d == nil || d.Service.Upstream != nil || d.Service.Addr != "example.org:8080" || d.Service.HostHeader != "example.org:8080" {
		t.Fatalf("/direct: %+v, want a direct service to example.org:8080", d.Service)
	}
	if match(s, "/off") != nil {
		t.Error("a route of a disabled service must not match")
	}
	if empty := build(t, &entity.Config{}, nil); !empty.Empty() || match(empty, "/up") != nil {
		t.Error("an empty config must build an empty snapshot that matches nothing")
	}
}

func TestBalancersSurviveUnrelatedChanges(t *testing.T) {
	t.Parallel()
	up, targets := upstream("backend.internal", "127.0.0.1:9001")
	svc := fixture.Service("backend.internal")
	cfg := func(extraPath string, ts []*entity.Target) *entity.Config {
		return &entity.Config{
			Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: ts,
			Routes: []*entity.Route{fixture.Route(svc, []string{"/a"}), fixture.Route(svc, []string{extraPath})},
		}
	}
	first := build(t, cfg("/b", targets), nil)
	second := build(t, cfg("/c", targets), first)
	if first.Upstream("backend.internal").Balancer != second.Upstream("backend.internal").Balancer {
		t.Error("an unchanged upstream got a new balancer: health state would be lost")
	}
	_, moreTargets := upstream("x", "127.0.0.1:9002")
	moreTargets[0].Upstream = &entity.Ref{ID: up.ID}
	third := build(t, cfg("/c", append(targets, moreTargets...)), second)
	if third.Upstream("backend.internal").Balancer == second.Upstream("backend.internal").Balancer {
		t.Error("a changed target list kept the old balancer")
	}
}

func TestFailedBuildKeepsPrevious(t *testing.T) {
	t.Parallel()
	up, targets := upstream("backend.internal", "127.0.0.1:9001")
	svc := fixture.Service("backend.internal")
	good := &entity.Config{Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
		Routes: []*entity.Route{fixture.Route(svc, []string{"/a"})}}
	prev := build(t, good, nil)

	badRoute := fixture.Route(svc, []string{"/b"})
	badRoute.Service = &entity.Ref{ID: uuid.NewString()}
	chainErr := errors.New("bad plugin config")
	tests := []struct {
		name string
		cfg  *entity.Config
		opts snapshot.Options
	}{
		{"dangling service reference", &entity.Config{Services: good.Services, Routes: []*entity.Route{badRoute}}, snapshot.Options{}},
		{"invalid field", &entity.Config{Services: []*entity.Service{fixture.Service("bad host!")}}, snapshot.Options{}},
		{"plugin chain error", good, snapshot.Options{Plugins: failingBuilder{chainErr}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := snapshot.Build(tt.cfg, prev, tt.opts)
			if err == nil || s != nil {
				t.Fatalf("Build = %v, %v; want an error", s, err)
			}
			if match(prev, "/a") == nil {
				t.Error("the previous snapshot stopped serving")
			}
		})
	}
}

func TestChainsAreBuiltPerRoute(t *testing.T) {
	t.Parallel()
	svc := fixture.Service("example.org")
	r, other := fixture.Route(svc, []string{"/a"}), fixture.Route(svc, []string{"/b"})
	p := entity.NewPlugin()
	p.ID, p.Name, p.Route = uuid.NewString(), "correlation-id", &entity.Ref{ID: r.ID}
	s, err := snapshot.Build(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{r, other},
		Plugins: []*entity.Plugin{p}}, nil, snapshot.Options{Plugins: plugin.Bundled(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Retire(nil)
	if got := match(s, "/a").Chain; got == nil || got != s.Plugins().Route(r.ID) || got.Len() != 1 {
		t.Errorf("Chain of /a = %p (len %d), want the chain built for its route with its plugin", got, got.Len())
	}
	if got := match(s, "/b").Chain; got == nil || got.Len() != 0 {
		t.Errorf("Chain of /b = %p, want its own empty chain", got)
	}
}

// TestCertAlt: a client that cannot use the ECDSA certificate gets the
// RSA alternate.
func TestCertAlt(t *testing.T) {
	t.Parallel()
	ecCert, ecKey := selfSigned(t, "alt.example", false)
	rsaCert, rsaKey := selfSigned(t, "alt.example", true)
	c := &entity.Certificate{Meta: entity.Meta{ID: uuid.NewString()}, Cert: ecCert, Key: ecKey,
		CertAlt: rsaCert, KeyAlt: rsaKey, SNIs: []string{"alt.example"}}
	s := build(t, &entity.Config{Certificates: []*entity.Certificate{c}}, nil)
	tests := []struct {
		name    string
		schemes []tls.SignatureScheme
		wantRSA bool
	}{
		{"client with ECDSA", []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256, tls.PSSWithSHA256}, false},
		{"RSA-only client", []tls.SignatureScheme{tls.PSSWithSHA256}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Certificates().Certificate(&tls.ClientHelloInfo{
				ServerName: "alt.example", SignatureSchemes: tt.schemes,
				SupportedVersions: []uint16{tls.VersionTLS13},
			})
			_, isRSA := got.PrivateKey.(*rsa.PrivateKey)
			if isRSA != tt.wantRSA {
				t.Errorf("served RSA = %t, want %t", isRSA, tt.wantRSA)
			}
		})
	}
}

func selfSigned(t *testing.T, name string, useRSA bool) (string, string) {
	t.Helper()
	c := entitytest.SelfSigned(t, entitytest.CertOptions{RSA: useRSA, Names: []string{name}})
	return c.Cert, c.Key
}
