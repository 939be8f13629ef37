package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestRoutingRulesThroughBinary checks each router rule (docs/design.md,
// "Router rules") the way a
// user sees it: a DB-less node loading a declarative file, requests through
// its proxy port, and what a real upstream receives.
func TestRoutingRulesThroughBinary(t *testing.T) {
	t.Parallel()
	up := newEchoUpstream(t)
	upHost := strings.TrimPrefix(up.URL, "http://")
	routes := []routeSpec{
		{"strip", []string{"paths: [/strip]"}},
		{"keep", []string{"paths: [/keep]", "strip_path: false"}},
		{"preserve", []string{"paths: [/preserve]", "preserve_host: true"}},
		{"exact-host", []string{"hosts: [api.example.com]", "paths: [/h]", "strip_path: false"}},
		{"wild-suffix", []string{`hosts: ["*.example.com"]`, "paths: [/h]", "strip_path: false"}},
		{"wild-prefix", []string{`hosts: ["example.*"]`, "paths: [/h]", "strip_path: false"}},
		{"any-host", []string{"paths: [/h]", "strip_path: false"}},
		{"regex-low", []string{`paths: ['~/items/\d+$']`, "regex_priority: 1", "strip_path: false"}},
		{"regex-high", []string{`paths: ['~/items/(?<id>\d+)']`, "regex_priority: 5", "strip_path: false"}},
		{"items-prefix", []string{"paths: [/items]", "strip_path: false"}},
		{"prefix-short", []string{"paths: [/p]", "strip_path: false"}},
		{"prefix-long", []string{"paths: [/p/longer]", "strip_path: false"}},
		{"m-post", []string{"methods: [POST]", "paths: [/m]", "strip_path: false"}},
		{"m-any", []string{"paths: [/m]", "strip_path: false"}},
		{"hdr-v2", []string{"headers: {x-version: [v2]}", "paths: [/hdr]", "strip_path: false"}},
		{"hdr-any", []string{"paths: [/hdr]", "strip_path: false"}},
		{"regex-strip", []string{`paths: ['~/re/(?<v>v\d)/']`}},
		{"handling-v1", []string{"paths: [/v1p/]", "path_handling: v1"}},
	}
	n := startDBLess(t, declFile(t, servicePerRoute(up.URL, routes, "")))
	client := &http.Client{}

	tests := []struct {
		name, method, path, host string
		header                   []string
		wantRoute, wantPath      string
		wantHost                 string // "" for the upstream's own address
	}{
		{name: "strip_path removes the matched prefix", path: "/strip/users?x=1", wantRoute: "strip", wantPath: "/s-strip/users"},
		{name: "strip_path of the whole path leaves the service path", path: "/strip", wantRoute: "strip", wantPath: "/s-strip"},
		{name: "strip_path keeps a trailing slash", path: "/strip/users/", wantRoute: "strip", wantPath: "/s-strip/users/"},
		{name: "strip_path false joins the whole request path", path: "/keep/users", wantRoute: "keep", wantPath: "/s-keep/keep/users"},
		{name: "strip_path on a regex removes the whole match", path: "/re/v2/items", wantRoute: "regex-strip", wantPath: "/s-regex-strip/items"},
		{name: "path_handling v1 joins as v0 under traditional_compatible", path: "/v1p/x", wantRoute: "handling-v1", wantPath: "/s-handling-v1/x"},
		{name: "preserve_host sends the client's Host", path: "/preserve/x", host: "client.example", wantRoute: "preserve", wantPath: "/s-preserve/x", wantHost: "client.example"},
		{name: "without preserve_host the upstream's Host", path: "/strip/x", host: "client.example", wantRoute: "strip", wantPath: "/s-strip/x"},
		{name: "exact host beats a wildcard", path: "/h", host: "api.example.com", wantRoute: "exact-host", wantPath: "/s-exact-host/h"},
		{name: "host header port is ignored", path: "/h", host: "API.example.com:8080", wantRoute: "exact-host", wantPath: "/s-exact-host/h"},
		{name: "leading wildcard", path: "/h", host: "x.example.com", wantRoute: "wild-suffix", wantPath: "/s-wild-suffix/h"},
		{name: "trailing wildcard", path: "/h", host: "example.org", wantRoute: "wild-prefix", wantPath: "/s-wild-prefix/h"},
		{name: "a route with a host beats one without", path: "/h/more", host: "x.example.com", wantRoute: "wild-suffix", wantPath: "/s-wild-suffix/h/more"},
		{name: "unknown host falls to the host-less route", path: "/h", host: "other.org", wantRoute: "any-host", wantPath: "/s-any-host/h"},
		{name: "higher regex_priority wins", path: "/items/42", wantRoute: "regex-high", wantPath: "/s-regex-high/items/42"},
		{name: "prefix when no regex matches", path: "/items/abc", wantRoute: "items-prefix", wantPath: "/s-items-prefix/items/abc"},
		{name: "longest prefix wins", path: "/p/longer/x", wantRoute: "prefix-long", wantPath: "/s-prefix-long/p/longer/x"},
		{name: "shorter prefix for the rest", path: "/p/x", wantRoute: "prefix-short", wantPath: "/s-prefix-short/p/x"},
		{name: "method route wins for its method", method: "POST", path: "/m", wantRoute: "m-post", wantPath: "/s-m-post/m"},
		{name: "other methods go to the method-less route", method: "GET", path: "/m", wantRoute: "m-any", wantPath: "/s-m-any/m"},
		{name: "header route wins with its header", path: "/hdr", header: []string{"X-Version", "V2"}, wantRoute: "hdr-v2", wantPath: "/s-hdr-v2/hdr"},
		{name: "other header values go to the header-less route", path: "/hdr", header: []string{"X-Version", "v3"}, wantRoute: "hdr-any", wantPath: "/s-hdr-any/hdr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			code, body := request(t, client, method, n.ProxyURL()+tt.path, tt.host, tt.header...)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			route, e := routedTo(t, body)
			if route != tt.wantRoute || e.Path != tt.wantPath {
				t.Errorf("served by route %q with upstream path %q, want %q with %q", route, e.Path, tt.wantRoute, tt.wantPath)
			}
			wantHost := tt.wantHost
			if wantHost == "" {
				wantHost = upHost
			}
			if e.Host != wantHost {
				t.Errorf("upstream Host = %q, want %q", e.Host, wantHost)
			}
			if strings.Contains(tt.path, "?") && e.Query != "x=1" {
				t.Errorf("upstream query = %q, want x=1", e.Query)
			}
		})
	}
	t.Run("no route answers 404 with Kong's message", func(t *testing.T) {
		code, body := request(t, client, http.MethodGet, n.ProxyURL()+"/nothing", "")
		if code != http.StatusNotFound || !strings.Contains(body, `"no Route matched with those values"`) {
			t.Fatalf("GET /nothing = %d %s, want 404 with Kong's message", code, body)
		}
	})
}
