// Package plugintest is a test harness: a minimal reverse proxy on loopback
// that runs plugin chains around a real upstream, so plugin tests exercise
// real HTTP. It is not the proxy (internal/proxy is); its routing is a
// longest-path-prefix match and it never strips paths. It shows the exact
// wiring of a Chain into a proxy, which internal/proxy mirrors.
package plugintest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// ClientIPHeader, when a test request carries it, sets the client IP the
// plugins see (the harness only ever sees 127.0.0.1).
const ClientIPHeader = "X-Test-Client-IP"

// Harness is a running proxy with its upstream. Both stop when the test ends.
type Harness struct {
	// URL is the proxy's base URL ("http://127.0.0.1:port").
	URL string
	// Upstream is the upstream server's base URL.
	Upstream string
	// Chains is what the proxy runs, for inspection.
	Chains *plugin.Chains

	cfg       *entity.Config
	upstream  *http.Transport
	upURL     string
	logs      *syncBuffer
	frontend  *httptest.Server
	routeList []*entity.Route
}

// Option changes a Harness.
type Option func(*options)

type options struct {
	upstream http.Handler
	plugins  []string
	registry *plugin.Registry
}

// WithUpstream replaces the default echo upstream.
func WithUpstream(h http.Handler) Option { return func(o *options) { o.upstream = h } }

// WithPlugins narrows the registry like the `plugins` setting.
func WithPlugins(names ...string) Option { return func(o *options) { o.plugins = names } }

// WithRegistry uses reg instead of a fresh registry, so state kept across
// snapshots (rate-limiting counters) can be shared between harnesses.
func WithRegistry(reg *plugin.Registry) Option { return func(o *options) { o.registry = reg } }

// New builds chains for cfg with every registered plugin (import the
// plugins under test) and starts the proxy and upstream on 127.0.0.1.
// A build error fails the test.
func New(t testing.TB, cfg *entity.Config, opts ...Option) *Harness {
	t.Helper()
	h, err := Start(t, cfg, opts...)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	return h
}

// Start is New returning the build error, for tests about invalid configs.
func Start(t testing.TB, cfg *entity.Config, opts ...Option) (*Harness, error) {
	o := options{upstream: http.HandlerFunc(Echo), plugins: []string{"bundled"}}
	for _, fn := range opts {
		fn(&o)
	}
	logs := &syncBuffer{}
	reg := o.registry
	if reg == nil {
		var err error
		reg, err = plugin.Bundled(slog.New(slog.NewTextHandler(logs, nil))).Subset(o.plugins)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = reg.Close() })
	}
	chains, err := plugin.BuildChains(cfg, reg)
	if err != nil {
		return nil, err
	}
	up := httptest.NewServer(o.upstream)
	t.Cleanup(up.Close)
	h := &Harness{Upstream: up.URL, Chains: chains, cfg: cfg, logs: logs, upURL: up.URL,
		upstream: &http.Transport{}, routeList: cfg.Routes}
	t.Cleanup(h.upstream.CloseIdleConnections)
	h.frontend = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.frontend.Close)
	h.URL = h.frontend.URL
	return h, nil
}

// Logs returns everything plugins logged so far.
func (h *Harness) Logs() string { return h.logs.String() }

// Do sends req and returns the response with its body read.
func (h *Harness) Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("plugintest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("plugintest: read body: %v", err)
	}
	return resp, b
}

// Request builds a request to the proxy; path may carry a query string.
// An empty method means GET, an empty path "/", so table tests can leave
// them out.
func (h *Harness) Request(t testing.TB, method, path string, body io.Reader) *http.Request {
	t.Helper()
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequest(method, h.URL+path, body)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	return req
}

// Message decodes a gateway answer {"message": ...}; "" when b is not one.
func Message(b []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &m)
	return m.Message
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
