package proxy_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// gateway is a Proxy serving on loopback listeners for one test.
type gateway struct {
	t     *testing.T
	p     *proxy.Proxy
	def   *tls.Certificate
	addrs map[string]string // listener name → address
}

// newGateway starts a proxy with a plain listener ("http") and the extra
// listeners given by name.
func newGateway(t *testing.T, opts proxy.Options, listeners map[string]proxy.ListenOptions) *gateway {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	def, err := snapshot.NewDefaultCertificate()
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{t: t, p: proxy.New(opts), def: def, addrs: map[string]string{}}
	if listeners == nil {
		listeners = map[string]proxy.ListenOptions{}
	}
	if _, ok := listeners["http"]; !ok {
		listeners["http"] = proxy.ListenOptions{}
	}
	done := make(chan struct{}, len(listeners))
	for name, lo := range listeners {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		g.addrs[name] = ln.Addr().String()
		go func() {
			defer func() { done <- struct{}{} }()
			if err := g.p.Serve(ln, lo); err != nil {
				t.Errorf("Serve %s: %v", name, err)
			}
		}()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range listeners {
			<-done
		}
		g.p.Current().Retire(nil)
	})
	return g
}

// apply builds cfg on top of the running snapshot and swaps it in.
func (g *gateway) apply(cfg *entity.Config) {
	g.t.Helper()
	g.applyWith(cfg, snapshot.Options{})
}

// applyWith is apply with snapshot options (plugin chains).
func (g *gateway) applyWith(cfg *entity.Config, opts snapshot.Options) {
	g.t.Helper()
	opts.DefaultCert = g.def
	s, err := snapshot.Build(cfg, g.p.Current(), opts)
	if err != nil {
		g.t.Fatalf("Build: %v", err)
	}
	g.p.Swap(s)
}

// url is the base URL of the plain listener.
func (g *gateway) url() string { return "http://" + g.addrs["http"] }

// newService and newRoute build fixtures with fresh ids: a service for a
// URL, and a route of a service (nil for none) matching paths.
var (
	newService = fixture.ServiceURL
	newRoute   = fixture.Route
)

// echo is what the echo upstream answers: what it received.
type echo struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Host   string      `json:"host"`
	Header http.Header `json:"header"`
	Body   string      `json:"body"`
	Server string      `json:"server"`
}

// echoServer starts an HTTP upstream that answers what it received,
// tagged with name.
func echoServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(echoHandler(name))
	t.Cleanup(srv.Close)
	return srv
}

func echoHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echo{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Host: r.Host, Header: r.Header, Body: string(b), Server: name,
		})
	})
}

// get sends a request and returns the response with its body read.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return res, b
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, http.DefaultClient, req)
}

// wantGatewayError checks a gateway-made JSON answer.
func wantGatewayError(t *testing.T, res *http.Response, body []byte, status int, msg string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if res.Header.Get("X-Gantry-Response-Latency") == "" {
		t.Error("a gateway-made answer lacks X-Gantry-Response-Latency")
	}
	var m struct{ Message string }
	if err := json.Unmarshal(body, &m); err != nil || m.Message != msg {
		t.Errorf("body = %s, want message %q", body, msg)
	}
}

// certPEM makes a self-signed certificate for names (and 127.0.0.1), as
// PEM cert and key.
func certPEM(t *testing.T, names ...string) (string, string) {
	t.Helper()
	c := entitytest.SelfSigned(t, entitytest.CertOptions{
		Names: names,
		IPs:   []net.IP{net.ParseIP("127.0.0.1")},
		// Self-signed and a CA, so a test can also trust it as
		// ca_certificates for upstream TLS.
		CA: true,
	})
	return c.Cert, c.Key
}

// newCertificate returns a certificate entity for names, served for snis.
func newCertificate(t *testing.T, names []string, snis ...string) *entity.Certificate {
	c, k := certPEM(t, names...)
	return &entity.Certificate{Meta: entity.Meta{ID: uuid.NewString()}, Cert: c, Key: k, SNIs: snis}
}

// port returns the port of a host:port or URL host.
func port(t *testing.T, hostport string) int {
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return do(t, http.DefaultClient, req)
}

func readAll(res *http.Response) ([]byte, error) { return io.ReadAll(res.Body) }
