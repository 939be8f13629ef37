package cors_test

import (
	"net/http"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/cors"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	const allMethods = "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT"
	tests := []struct {
		name      string
		conf      map[string]any
		preflight bool
		origin    string
		reqHdrs   string
		upstream  bool              // the upstream answered
		want      map[string]string // "" = header absent
	}{
		{name: "preflight allow all", preflight: true, origin: "https://x.test", reqHdrs: "X-A",
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": allMethods,
				"Access-Control-Allow-Headers": "X-A", "Vary": "", "Access-Control-Allow-Credentials": ""}},
		{name: "preflight exact origin matched", preflight: true, origin: "https://b.test:443",
			conf: map[string]any{"origins": []any{"https://a.test", "https://b.test"}, "methods": []any{"GET", "POST"}, "max_age": 600},
			want: map[string]string{"Access-Control-Allow-Origin": "https://b.test", "Vary": "Origin",
				"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Max-Age": "600"}},
		{name: "preflight origin not matched", preflight: true, origin: "https://evil.test",
			conf: map[string]any{"origins": []any{"https://a.test", "https://b.test"}},
			want: map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{name: "regex on whole origin", preflight: true, origin: "https://api.example.org",
			conf: map[string]any{"origins": []any{`https://.*\.example\.org`}},
			want: map[string]string{"Access-Control-Allow-Origin": "https://api.example.org"}},
		{name: "regex is anchored", preflight: true, origin: "https://api.example.org.evil.test",
			conf: map[string]any{"origins": []any{`https://.*\.example\.org`}},
			want: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "regex without colon matches the host", preflight: true, origin: "http://shop.example.net:8080",
			conf: map[string]any{"origins": []any{`(.*\.)?example\.net`}},
			want: map[string]string{"Access-Control-Allow-Origin": "http://shop.example.net:8080"}},
		{name: "single origin sent as configured", preflight: true, origin: "https://other.test",
			conf: map[string]any{"origins": []any{"https://only.test"}},
			want: map[string]string{"Access-Control-Allow-Origin": "https://only.test"}},
		{name: "credentials with star echo the origin", preflight: true, origin: "https://x.test",
			conf: map[string]any{"credentials": true, "headers": []any{"A", "B"}},
			want: map[string]string{"Access-Control-Allow-Origin": "https://x.test", "Access-Control-Allow-Credentials": "true",
				"Vary": "Origin", "Access-Control-Allow-Headers": "A,B"}},
		{name: "preflight continue goes upstream", preflight: true, origin: "https://x.test", upstream: true,
			conf: map[string]any{"preflight_continue": true},
			want: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{name: "actual request", origin: "https://a.test", upstream: true,
			conf: map[string]any{"origins": []any{"https://a.test", "https://b.test"}, "exposed_headers": []any{"X-Total"}, "credentials": true},
			want: map[string]string{"Access-Control-Allow-Origin": "https://a.test", "Access-Control-Expose-Headers": "X-Total",
				"Access-Control-Allow-Credentials": "true", "Vary": "Origin", "Access-Control-Allow-Methods": ""}},
		{name: "request without origin", upstream: true,
			want: map[string]string{"Access-Control-Allow-Origin": "*"}},
		{name: "request without origin and allow_origin_absent false", upstream: true, conf: map[string]any{"allow_origin_absent": false},
			want: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "options without request method is not a preflight", origin: "https://x.test", upstream: true,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("cors", tt.conf, plugintest.Scope{})))
			method := "GET"
			if tt.preflight || tt.name == "options without request method is not a preflight" {
				method = "OPTIONS"
			}
			req := h.Request(t, method, "/", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			if tt.reqHdrs != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.reqHdrs)
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d (%s)", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Upstream") == "echo"; got != tt.upstream {
				t.Errorf("upstream reached = %v, want %v", got, tt.upstream)
			}
			if !tt.upstream && len(body) != 0 {
				t.Errorf("preflight body = %q, want empty", body)
			}
			for k, v := range tt.want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestCORSReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	req := h.Request(t, "OPTIONS", "/", nil)
	req.Header.Set("Origin", "https://admin.example.org")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	resp, _ := h.Do(t, req)
	want := map[string]string{
		"Access-Control-Allow-Origin": "https://admin.example.org", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Headers": "Authorization,Content-Type", "Access-Control-Max-Age": "3600", "X-Upstream": "",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestCORSSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "cors", map[string]plugintest.SchemaCase{
		"bad method":   {Config: map[string]any{"methods": []any{"GET", "FETCH"}}, Field: "config.methods[2]"},
		"bad regex":    {Config: map[string]any{"origins": []any{"https://(.*"}}, Field: "config.origins[1]"},
		"bad max_age":  {Config: map[string]any{"max_age": "long"}, Field: "config.max_age", Message: "expected a number"},
		"unknown name": {Config: map[string]any{"origin": []any{"x"}}, Field: "config.origin", Message: "unknown field"},
	})
}
