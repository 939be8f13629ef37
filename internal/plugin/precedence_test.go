package plugin_test

import (
	"net/http"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// scoped is a test-tag (or other) instance whose value names its scope.
type scoped struct {
	name     string // plugin name; "" means test-tag
	scope    plugintest.Scope
	disabled bool
	protos   []string
}

func scopingConfig(instances []scoped) *entity.Config {
	cfg := &entity.Config{
		Services: []*entity.Service{plugintest.Service("s1"), plugintest.Service("s2")},
		Routes: []*entity.Route{
			plugintest.Route("r1", "s1", "/r1"), plugintest.Route("r2", "s1", "/r2"),
			plugintest.Route("r3", "", "/r3"), plugintest.Route("r4", "s2", "/r4"),
		},
		Consumers: []*entity.Consumer{plugintest.Consumer("c1", "alice"), plugintest.Consumer("c2", "bob")},
		Plugins:   []*entity.Plugin{plugintest.Plugin("test-auth", nil, plugintest.Scope{})},
	}
	for _, in := range instances {
		name := in.name
		if name == "" {
			name = "test-tag"
		}
		p := plugintest.Plugin(name, map[string]any{"value": scopeName(in.scope)}, in.scope)
		p.Enabled = !in.disabled
		if in.protos != nil {
			p.Protocols = in.protos
		}
		cfg.Plugins = append(cfg.Plugins, p)
	}
	return cfg
}

func scopeName(s plugintest.Scope) string {
	name := ""
	add := func(part string) {
		if name != "" {
			name += "+"
		}
		name += part
	}
	if s.Consumer != "" {
		add("consumer")
	}
	if s.Route != "" {
		add("route")
	}
	if s.Service != "" {
		add("service")
	}
	if name == "" {
		return "global"
	}
	return name
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	var (
		G   = plugintest.Scope{}
		S   = plugintest.Scope{Service: "s1"}
		R   = plugintest.Scope{Route: "r1"}
		C   = plugintest.Scope{Consumer: "c1"}
		RS  = plugintest.Scope{Route: "r1", Service: "s1"}
		CS  = plugintest.Scope{Consumer: "c1", Service: "s1"}
		CR  = plugintest.Scope{Consumer: "c1", Route: "r1"}
		CRS = plugintest.Scope{Consumer: "c1", Route: "r1", Service: "s1"}
	)
	all := []scoped{{scope: G}, {scope: S}, {scope: R}, {scope: C}, {scope: RS}, {scope: CS}, {scope: CR}, {scope: CRS}}
	tests := []struct {
		name      string
		instances []scoped
		path, who string
		header    string // X-Tag sent upstream; "" = plugin did not run
		early     string // X-Early sent upstream
	}{
		{name: "global only", instances: []scoped{{scope: G}}, path: "/r1", who: "alice", header: "global"},
		{name: "service beats global", instances: []scoped{{scope: G}, {scope: S}}, path: "/r1", who: "alice", header: "service"},
		{name: "service applies to every route of the service", instances: []scoped{{scope: G}, {scope: S}}, path: "/r2", who: "alice", header: "service"},
		{name: "route beats service", instances: []scoped{{scope: G}, {scope: S}, {scope: R}}, path: "/r1", who: "alice", header: "route"},
		{name: "route scope stays on its route", instances: []scoped{{scope: S}, {scope: R}}, path: "/r2", who: "alice", header: "service"},
		{name: "consumer beats route", instances: []scoped{{scope: G}, {scope: S}, {scope: R}, {scope: C}}, path: "/r1", who: "alice", header: "consumer"},
		{name: "consumer scope skips other consumers", instances: []scoped{{scope: R}, {scope: C}}, path: "/r1", who: "bob", header: "route"},
		{name: "route+service beats consumer", instances: []scoped{{scope: C}, {scope: RS}}, path: "/r1", who: "alice", header: "route+service"},
		{name: "consumer+service beats route+service", instances: []scoped{{scope: RS}, {scope: CS}}, path: "/r1", who: "alice", header: "consumer+service"},
		{name: "consumer+service for bob falls to route+service", instances: []scoped{{scope: RS}, {scope: CS}}, path: "/r1", who: "bob", header: "route+service"},
		{name: "consumer+route beats consumer+service", instances: []scoped{{scope: CS}, {scope: CR}}, path: "/r1", who: "alice", header: "consumer+route"},
		{name: "consumer+route+service beats everything", instances: all, path: "/r1", who: "alice", header: "consumer+route+service"},
		{name: "everything configured, other route of the service", instances: all, path: "/r2", who: "alice", header: "consumer+service"},
		{name: "everything configured, other consumer", instances: all, path: "/r1", who: "bob", header: "route+service"},
		{name: "route without service ignores service scope", instances: []scoped{{scope: G}, {scope: S}}, path: "/r3", who: "alice", header: "global"},
		{name: "other service's scope not applied", instances: []scoped{{scope: plugintest.Scope{Service: "s2"}}}, path: "/r1", who: "alice", header: ""},
		{name: "route+service with a service the route does not use", instances: []scoped{{scope: G}, {scope: plugintest.Scope{Route: "r1", Service: "s2"}}}, path: "/r1", who: "alice", header: "global"},
		{name: "disabled instance lets a less specific one apply", instances: []scoped{{scope: S}, {scope: R, disabled: true}}, path: "/r1", who: "alice", header: "service"},
		{name: "winner whose protocols exclude the request does not run", instances: []scoped{{scope: S}, {scope: R, protos: []string{"https"}}}, path: "/r1", who: "alice", header: ""},
		{name: "plugin before auth never sees consumer scope", instances: []scoped{{name: "test-early", scope: G}, {name: "test-early", scope: C}}, path: "/r1", who: "alice", early: "global"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, scopingConfig(tt.instances))
			req := h.Request(t, http.MethodGet, tt.path, nil)
			req.Header.Set("X-Who", tt.who)
			resp, body := h.Do(t, req)
			if v := resp.Header.Get("X-Tag"); v != tt.header {
				t.Errorf("response X-Tag = %q, want %q", v, tt.header)
			}
			if tt.path == "/r3" { // no service: the proxy answers 503 itself, through the plugins
				if resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("status %d: %s, want 503", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			got := plugintest.DecodeEcho(t, body)
			if v := got.Headers.Get("X-Tag"); v != tt.header {
				t.Errorf("upstream X-Tag = %q, want %q", v, tt.header)
			}
			if v := got.Headers.Get("X-Early"); v != tt.early {
				t.Errorf("upstream X-Early = %q, want %q", v, tt.early)
			}
		})
	}
}

func TestConsumerHeaders(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, scopingConfig(nil))
	req := h.Request(t, http.MethodGet, "/r1", nil)
	req.Header.Set("X-Who", "alice")
	req.Header.Set("X-Anonymous-Consumer", "true") // forged by the client
	req.Header.Set("X-Consumer-Custom-ID", "forged")
	_, body := h.Do(t, req)
	got := plugintest.DecodeEcho(t, body).Headers
	want := map[string]string{
		"X-Consumer-Id": plugintest.ID("c1"), "X-Consumer-Username": "alice", "X-Credential-Identifier": "ident-alice",
		"X-Consumer-Custom-Id": "", "X-Anonymous-Consumer": "",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("upstream %s = %q, want %q", k, got.Get(k), v)
		}
	}
}

func TestExitKeepsResponseHeadersOfEarlierPlugins(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, scopingConfig([]scoped{{name: "test-early", scope: plugintest.Scope{}}}))
	resp, body := h.Do(t, h.Request(t, http.MethodGet, "/r1", nil)) // no X-Who: 401
	if resp.StatusCode != http.StatusUnauthorized || plugintest.Message(body) != "Unauthorized" {
		t.Fatalf("got %d %s, want 401 Unauthorized", resp.StatusCode, body)
	}
	if resp.Header.Get("Www-Authenticate") != "Test" || resp.Header.Get("X-Early") != "global" {
		t.Errorf("headers = %v, want the exit's and the earlier plugin's", resp.Header)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}
