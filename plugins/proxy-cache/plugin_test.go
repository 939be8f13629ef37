package proxycache_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/proxy-cache"
)

// counting is an upstream that numbers its answers, so a cached answer
// shows an old number. It answers with the status, Content-Type and
// Cache-Control given in the query (s, ct, cc).
func counting(calls *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		q := r.URL.Query()
		ct := q.Get("ct")
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		if cc := q.Get("cc"); cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		status := http.StatusOK
		if s := q.Get("s"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"n":` + strconv.FormatInt(n, 10) + `}`))
	})
}

type step struct {
	method, path string
	reqCC        string
	status       string // X-Cache-Status
	body         string
}

func TestProxyCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		conf  map[string]any
		steps []step
	}{
		{name: "miss then hit", steps: []step{
			{path: "/a", status: "Miss", body: `{"n":1}`}, {path: "/a", status: "Hit", body: `{"n":1}`},
			{method: "HEAD", path: "/a", status: "Miss"}, {path: "/b", status: "Miss", body: `{"n":3}`},
		}},
		{name: "method not cached", steps: []step{
			{method: "POST", path: "/a", status: "Bypass", body: `{"n":1}`}, {method: "POST", path: "/a", status: "Bypass", body: `{"n":2}`},
		}},
		{name: "content type not cached", steps: []step{
			{path: "/a?ct=text/html", status: "Bypass", body: `{"n":1}`}, {path: "/a?ct=text/html", status: "Bypass", body: `{"n":2}`},
		}},
		{name: "charset ignored", steps: []step{
			{path: "/a?ct=application/json;%20charset=utf-8", status: "Miss"}, {path: "/a?ct=application/json;%20charset=utf-8", status: "Hit", body: `{"n":1}`},
		}},
		{name: "status not cached", steps: []step{
			{path: "/a?s=500", status: "Bypass"}, {path: "/a?s=500", status: "Bypass", body: `{"n":2}`},
		}},
		{name: "404 cached", steps: []step{
			{path: "/a?s=404", status: "Miss"}, {path: "/a?s=404", status: "Hit", body: `{"n":1}`},
		}},
		{name: "query varies the key", steps: []step{
			{path: "/a?x=1", status: "Miss"}, {path: "/a?x=2", status: "Miss", body: `{"n":2}`}, {path: "/a?x=1", status: "Hit", body: `{"n":1}`},
		}},
		{name: "only vary_query_params count", conf: map[string]any{"vary_query_params": []any{"x"}}, steps: []step{
			{path: "/a?x=1&y=1", status: "Miss"}, {path: "/a?y=2&x=1", status: "Hit", body: `{"n":1}`},
		}},
		{name: "uri case", conf: map[string]any{"ignore_uri_case": true}, steps: []step{
			{path: "/Items", status: "Miss"}, {path: "/items", status: "Hit", body: `{"n":1}`},
		}},
		{name: "cache-control ignored by default", steps: []step{
			{path: "/a?cc=private", status: "Miss"}, {path: "/a?cc=private", reqCC: "no-cache", status: "Hit", body: `{"n":1}`},
		}},
		{name: "private response not stored", conf: map[string]any{"cache_control": true}, steps: []step{
			{path: "/a?cc=private", status: "Bypass"}, {path: "/a?cc=private", status: "Bypass", body: `{"n":2}`},
		}},
		{name: "request no-cache refreshes", conf: map[string]any{"cache_control": true}, steps: []step{
			{path: "/a", status: "Miss"}, {path: "/a", reqCC: "no-cache", status: "Refresh", body: `{"n":2}`},
			{path: "/a", status: "Hit", body: `{"n":2}`},
		}},
		{name: "request no-store bypasses", conf: map[string]any{"cache_control": true}, steps: []step{
			{path: "/a", status: "Miss"}, {path: "/a", reqCC: "no-store", status: "Bypass", body: `{"n":2}`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("proxy-cache", tt.conf, plugintest.Scope{})),
				plugintest.WithUpstream(counting(&calls)))
			keys := map[string]string{}
			for i, s := range tt.steps {
				req := h.Request(t, s.method, s.path, nil)
				if s.reqCC != "" {
					req.Header.Set("Cache-Control", s.reqCC)
				}
				resp, body := h.Do(t, req)
				if got := resp.Header.Get("X-Cache-Status"); got != s.status {
					t.Fatalf("step %d %s: X-Cache-Status = %q, want %q", i+1, s.path, got, s.status)
				}
				if s.body != "" && string(body) != s.body {
					t.Errorf("step %d %s: body = %s, want %s", i+1, s.path, body, s.body)
				}
				if s.status == "Hit" {
					if resp.Header.Get("Age") == "" || resp.Header.Get("Content-Type") == "" {
						t.Errorf("step %d: hit without Age or Content-Type: %v", i+1, resp.Header)
					}
					if k := resp.Header.Get("X-Cache-Key"); k == "" || (keys[s.path] != "" && keys[s.path] != k) {
						t.Errorf("step %d: X-Cache-Key %q, earlier %q", i+1, k, keys[s.path])
					}
				}
				keys[s.path] = resp.Header.Get("X-Cache-Key")
			}
		})
	}
}

func TestProxyCacheExpires(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		conf  map[string]any
		after string
	}{
		// The entry leaves the store with its freshness: a plain miss.
		{name: "gone with cache_ttl", conf: map[string]any{"cache_ttl": 1}, after: "Miss"},
		// Kept longer than fresh: found stale and refreshed.
		{name: "kept by storage_ttl", conf: map[string]any{"cache_ttl": 1, "storage_ttl": 60}, after: "Refresh"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("proxy-cache", tt.conf, plugintest.Scope{})),
				plugintest.WithUpstream(counting(&calls)))
			for i, want := range []string{"Miss", "Hit"} {
				if resp, _ := h.Do(t, h.Request(t, "GET", "/", nil)); resp.Header.Get("X-Cache-Status") != want {
					t.Fatalf("request %d: %q, want %s", i+1, resp.Header.Get("X-Cache-Status"), want)
				}
			}
			time.Sleep(1100 * time.Millisecond)
			resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
			if resp.Header.Get("X-Cache-Status") != tt.after || string(body) != `{"n":2}` {
				t.Errorf("after the ttl: %q %s, want %s with a fresh answer", resp.Header.Get("X-Cache-Status"), body, tt.after)
			}
		})
	}
}

func TestProxyCacheReadmeExample(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")), plugintest.WithUpstream(counting(&calls)))
	for i, c := range []struct{ path, status string }{{"/items?page=2&trace=1", "Miss"}, {"/items?page=2&trace=9", "Hit"}} {
		if resp, _ := h.Do(t, h.Request(t, "GET", c.path, nil)); resp.Header.Get("X-Cache-Status") != c.status {
			t.Errorf("request %d: %q, want %s", i+1, resp.Header.Get("X-Cache-Status"), c.status)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("upstream called %d times, want 1", calls.Load())
	}
}

func TestProxyCacheSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "proxy-cache", map[string]plugintest.SchemaCase{
		"strategy":    {Config: map[string]any{"strategy": "redis"}, Field: "config.strategy", Message: "expected one of: memory"},
		"status":      {Config: map[string]any{"response_code": []any{200, 99}}, Field: "config.response_code[2]"},
		"method":      {Config: map[string]any{"request_method": []any{"DELETE"}}, Field: "config.request_method[1]"},
		"ttl":         {Config: map[string]any{"cache_ttl": 0}, Field: "config.cache_ttl"},
		"header name": {Config: map[string]any{"vary_headers": []any{"a b"}}, Field: "config.vary_headers[1]"},
	})
}
