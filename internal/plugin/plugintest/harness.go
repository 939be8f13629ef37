// Package plugintest runs plugin tests through Gantry's real data path: it
// builds a real snapshot of the test's config (router, services, plugin
// chains, as a node builds them) and serves it with internal/proxy on a
// loopback listener in front of a real upstream. Only tests import it; it
// is the one place outside the node wiring where plugins meet the proxy.
package plugintest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/testutil"
)

// ClientIPHeader, when a test request carries it, sets the client IP the
// plugins see: the proxy trusts 127.0.0.1 as a load balancer naming the
// client with X-Real-IP, as Kong does with trusted_ips.
const ClientIPHeader = "X-Real-IP"

// Harness is a running proxy with its upstream. Both stop when the test ends.
type Harness struct {
	// URL is the proxy's base URL ("http://127.0.0.1:port").
	URL string
	// Upstream is the upstream server's base URL.
	Upstream string
	// Chains is what the proxy runs, for inspection.
	Chains *plugin.Chains

	logs *testutil.Buffer
	// client has a transport of its own: httptest.Server.Close closes the
	// idle connections of http.DefaultTransport, which would break the
	// requests of parallel tests sharing it.
	client *http.Client
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

// New builds a snapshot of cfg with every registered plugin (import the
// plugins under test) and starts the real proxy and the upstream on
// 127.0.0.1. Services on PlaceholderHost (all that Service makes) are
// aimed at the upstream. A build error fails the test.
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
	logs := &testutil.Buffer{}
	reg := o.registry
	if reg == nil {
		var err error
		reg, err = plugin.Bundled(slog.New(slog.NewTextHandler(logs, nil))).Subset(o.plugins)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = reg.Close() })
	}
	up := httptest.NewServer(o.upstream)
	t.Cleanup(up.Close)
	url, chains, err := serveProxy(t, cfg, reg, slog.New(slog.NewTextHandler(logs, nil)), up.URL)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &Harness{URL: url, Upstream: up.URL, Chains: chains, logs: logs, client: &http.Client{Transport: tr}}, nil
}

// Logs returns everything plugins and the proxy logged so far (plugins
// only when the harness made the registry: WithRegistry keeps its logger).
func (h *Harness) Logs() string { return h.logs.String() }

// Do sends req and returns the response with its body read.
func (h *Harness) Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := h.client.Do(req)
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
