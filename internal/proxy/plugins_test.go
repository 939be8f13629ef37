package proxy_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
	_ "github.com/gantryhq/gantry/plugins/request-termination"
	_ "github.com/gantryhq/gantry/plugins/request-transformer"
	_ "github.com/gantryhq/gantry/plugins/response-transformer"
)

// probe is a test plugin with a phase of each kind: rewrite marks the
// request, the header filter marks the response, log writes the final
// status to the registry's logger.
type probe struct{}

func (probe) Rewrite(ctx *plugin.Context) error {
	ctx.Request.Header.Set("X-Probe-Rewrite", "ran")
	return nil
}

func (probe) HeaderFilter(ctx *plugin.Context) error {
	ctx.Response.Header.Set("X-Probe", "ran")
	return nil
}

func (probe) Log(ctx *plugin.Context) {
	ctx.Logger().Info("probe log", "path", ctx.Request.URL.Path, "status", ctx.Response.Status,
		"upstream_uri", ctx.UpstreamURI, "size", ctx.ResponseSize)
}

func init() {
	plugin.Register(plugin.New(plugin.Spec[struct{}]{
		Name: "proxy-test-probe", Version: plugin.BundledVersion, Priority: 100000,
		Defaults: func() *struct{} { return &struct{}{} },
		New:      func(*struct{}, *plugin.Env) (plugin.Handler, error) { return probe{}, nil },
	}))
}

func newPlugin(name string, route *entity.Route, config map[string]any) *entity.Plugin {
	p := entity.NewPlugin()
	p.ID, p.Name, p.Config = uuid.NewString(), name, config
	if route != nil {
		p.Route = &entity.Ref{ID: route.ID}
	}
	return p
}

// TestPlugins runs real bundled plugins through the proxy: each phase
// (rewrite/access answers, request changes, header filters on upstream and
// gateway-made answers, the global chain of unmatched requests).
func TestPlugins(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	svc := newService(up.URL)
	down := newService("http://"+refusedAddr(t), func(s *entity.Service) { s.Retries = 0 })
	auth := newRoute(svc, []string{"/auth"})
	term := newRoute(svc, []string{"/term"})
	rewritten := newRoute(svc, []string{"/rewrite"})
	orphan := newRoute(nil, []string{"/orphan"})
	broken := newRoute(down, []string{"/down"})
	jsonRoute := newRoute(svc, []string{"/json"})
	consumer := &entity.Consumer{Meta: entity.Meta{ID: uuid.NewString()}, Username: "alice"}
	cfg := &entity.Config{
		Services:  []*entity.Service{svc, down},
		Routes:    []*entity.Route{auth, term, rewritten, orphan, broken, jsonRoute},
		Consumers: []*entity.Consumer{consumer},
		KeyAuths: []*entity.KeyAuth{{Meta: entity.Meta{ID: uuid.NewString()},
			Consumer: &entity.Ref{ID: consumer.ID}, Key: "secret"}},
		Plugins: []*entity.Plugin{
			newPlugin("key-auth", auth, map[string]any{}),
			newPlugin("request-termination", term, map[string]any{"status_code": 418, "message": "teapot"}),
			newPlugin("request-termination", orphan, map[string]any{"status_code": 200, "message": "handled by a plugin"}),
			newPlugin("request-transformer", rewritten, map[string]any{
				"replace": map[string]any{"uri": "/replaced"},
				"add":     map[string]any{"headers": []string{"X-Added:1"}},
			}),
			newPlugin("response-transformer", nil, map[string]any{"add": map[string]any{"headers": []string{"X-Global:yes"}}}),
			newPlugin("response-transformer", jsonRoute, map[string]any{"add": map[string]any{"json": []string{"added:yes"}}}),
			newPlugin("proxy-test-probe", nil, map[string]any{}),
		},
	}
	var logs proxy.LogSink
	reg := plugin.Bundled(slog.New(slog.NewTextHandler(&logs, nil)))
	g := newGateway(t, proxy.Options{}, nil)
	g.applyWith(cfg, snapshot.Options{Plugins: reg})

	tests := []struct {
		name   string
		path   string
		hdr    []string
		status int
		check  func(t *testing.T, res *http.Response, body []byte)
		// noGlobal: the global response-transformer does not apply: the
		// route has its own instance (the most specific one wins).
		noGlobal bool
	}{
		{name: "access phase refuses", path: "/auth", status: 401},
		{name: "authenticated consumer reaches the upstream", path: "/auth", hdr: []string{"apikey", "secret"}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				if e := decodeEcho(t, body); e.Header.Get("X-Consumer-Username") != "alice" {
					t.Errorf("upstream headers %v lack the consumer", e.Header)
				}
			}},
		{name: "plugin answers instead of the upstream", path: "/term", status: 418},
		{name: "route without service answered by its plugin", path: "/orphan", status: 200},
		{name: "request changed by a plugin", path: "/rewrite/x", status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				e := decodeEcho(t, body)
				if e.Path != "/replaced" || e.Header.Get("X-Added") != "1" {
					t.Errorf("upstream got path %q, X-Added %q", e.Path, e.Header.Get("X-Added"))
				}
				if e.Header.Get("X-Forwarded-Path") != "/rewrite/x" {
					t.Errorf("X-Forwarded-Path = %q, want the client's path", e.Header.Get("X-Forwarded-Path"))
				}
			}},
		{name: "gateway error goes through header filters", path: "/down", status: 502},
		{name: "body filter rewrites the upstream body", path: "/json", status: 200, noGlobal: true,
			check: func(t *testing.T, res *http.Response, body []byte) {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil || m["added"] != "yes" || m["server"] != "a" {
					t.Errorf("body %s (%v), want the echo with \"added\":\"yes\"", body, err)
				}
				if res.ContentLength != int64(len(body)) {
					t.Errorf("Content-Length %d for a %d-byte body", res.ContentLength, len(body))
				}
			}},
		{name: "unmatched request runs the global chain", path: "/nowhere", status: 404},
	}
	sizes := map[string]int{} // body bytes the client got, by path
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, g.url()+tt.path, tt.hdr...)
			sizes[tt.path] = len(body)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if res.Header.Get("X-Probe") != "ran" {
				t.Errorf("the global probe's header filter did not run: %v", res.Header)
			}
			if !tt.noGlobal && res.Header.Get("X-Global") != "yes" {
				t.Errorf("the global response-transformer did not run: %v", res.Header)
			}
			if tt.check != nil {
				tt.check(t, res, body)
			}
		})
	}
	if s := g.p.Stats(); s.ByClass[4] != 3 || s.ByClass[5] != 1 || s.ByClass[2] != 4 {
		t.Errorf("stats %+v: plugin answers must be counted by their status", s)
	}
	for _, want := range []string{
		`path=/term status=418 upstream_uri="" size=` + itoa(sizes["/term"]),
		`path=/nowhere status=404 upstream_uri="" size=` + itoa(sizes["/nowhere"]),
		`path=/down status=502 upstream_uri="" size=` + itoa(sizes["/down"]),
		`path=/replaced status=200 upstream_uri=/replaced size=` + itoa(sizes["/rewrite/x"]),
		`path=/json status=200 upstream_uri=/ size=` + itoa(sizes["/json"]),
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log phase did not report %q:\n%s", want, logs.String())
		}
	}
}

func decodeEcho(t *testing.T, body []byte) echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return e
}
