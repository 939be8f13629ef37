package ratelimiting_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
	_ "github.com/gantryhq/gantry/plugins/rate-limiting"
)

// Counting tests use day and longer windows: a test never straddles the
// end of a window (midnight UTC) between two requests in practice.

type call struct {
	header http.Header
	path   string
	status int
	// remaining is X-RateLimit-Remaining-Day; -1 when the header must be absent.
	remaining int
}

func TestRateLimiting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		conf  map[string]any
		calls []call
	}{
		{name: "by ip", conf: map[string]any{"day": 2, "limit_by": "ip"}, calls: []call{
			{status: 200, remaining: 1}, {status: 200, remaining: 0}, {status: 429, remaining: 0}, {status: 429, remaining: 0},
		}},
		{name: "by header", conf: map[string]any{"day": 1, "limit_by": "header", "header_name": "X-Tenant"}, calls: []call{
			{header: http.Header{"X-Tenant": {"a"}}, status: 200, remaining: 0},
			{header: http.Header{"X-Tenant": {"a"}}, status: 429, remaining: 0},
			{header: http.Header{"X-Tenant": {"b"}}, status: 200, remaining: 0},
		}},
		{name: "by path", conf: map[string]any{"day": 1, "limit_by": "path", "path": "/hot"}, calls: []call{
			{path: "/hot", status: 200, remaining: 0}, {path: "/hot", status: 429, remaining: 0},
			{path: "/cold", status: 200, remaining: 0}, // falls back to the IP, a separate counter
		}},
		{name: "by service", conf: map[string]any{"day": 1, "limit_by": "service"}, calls: []call{
			{status: 200, remaining: 0}, {status: 429, remaining: 0},
		}},
		{name: "hidden headers", conf: map[string]any{"day": 1, "hide_client_headers": true}, calls: []call{
			{status: 200, remaining: -1}, {status: 429, remaining: -1},
		}},
		{name: "custom error", conf: map[string]any{"day": 1, "error_code": 503, "error_message": "slow down"}, calls: []call{
			{status: 200, remaining: 0}, {status: 503, remaining: 0},
		}},
		{name: "zero limit blocks everything", conf: map[string]any{"day": 0}, calls: []call{{status: 429, remaining: 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("rate-limiting", tt.conf, plugintest.Scope{})))
			for i, c := range tt.calls {
				path := c.path
				if path == "" {
					path = "/"
				}
				req := h.Request(t, "GET", path, nil)
				for k, v := range c.header {
					req.Header[k] = v
				}
				resp, body := h.Do(t, req)
				if resp.StatusCode != c.status {
					t.Fatalf("call %d: status = %d (%s), want %d", i+1, resp.StatusCode, body, c.status)
				}
				checkHeaders(t, i+1, resp, c, tt.conf)
				if c.status != 200 {
					want, _ := tt.conf["error_message"].(string)
					if want == "" {
						want = "API rate limit exceeded"
					}
					if plugintest.Message(body) != want {
						t.Errorf("call %d: body = %s, want %q", i+1, body, want)
					}
				}
			}
		})
	}
}

func checkHeaders(t *testing.T, n int, resp *http.Response, c call, conf map[string]any) {
	t.Helper()
	h := resp.Header
	if c.remaining < 0 {
		for _, k := range []string{"X-RateLimit-Limit-Day", "X-RateLimit-Remaining-Day", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} {
			if h.Get(k) != "" {
				t.Errorf("call %d: %s present though hide_client_headers", n, k)
			}
		}
		return
	}
	limit := strconv.Itoa(int(toFloat(conf["day"])))
	want := map[string]string{
		"X-RateLimit-Limit-Day": limit, "X-RateLimit-Remaining-Day": strconv.Itoa(c.remaining),
		"RateLimit-Limit": limit, "RateLimit-Remaining": strconv.Itoa(c.remaining),
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("call %d: %s = %q, want %q", n, k, h.Get(k), v)
		}
	}
	reset, err := strconv.Atoi(h.Get("RateLimit-Reset"))
	if err != nil || reset < 1 || reset > 86400 {
		t.Errorf("call %d: RateLimit-Reset = %q, want 1..86400", n, h.Get("RateLimit-Reset"))
	}
	if blocked := c.status != 200; blocked != (h.Get("Retry-After") == h.Get("RateLimit-Reset")) {
		t.Errorf("call %d: Retry-After = %q with status %d", n, h.Get("Retry-After"), c.status)
	}
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

func TestRateLimitingSeveralWindows(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("rate-limiting", map[string]any{"hour": 2, "day": 5, "year": 10}, plugintest.Scope{})))
	resp, _ := h.Do(t, h.Request(t, "GET", "/", nil))
	want := map[string]string{
		"X-RateLimit-Limit-Hour": "2", "X-RateLimit-Remaining-Hour": "1",
		"X-RateLimit-Limit-Day": "5", "X-RateLimit-Remaining-Day": "4",
		"X-RateLimit-Limit-Year": "10", "X-RateLimit-Remaining-Year": "9",
		// RateLimit-* follow the window closest to its limit.
		"RateLimit-Limit": "2", "RateLimit-Remaining": "1",
	}
	if r, _ := strconv.Atoi(resp.Header.Get("RateLimit-Reset")); r < 1 || r > 3600 {
		t.Errorf("RateLimit-Reset = %q, want the hour's 1..3600", resp.Header.Get("RateLimit-Reset"))
	}
	for k, v := range want {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}
}

func TestRateLimitingByConsumer(t *testing.T) {
	t.Parallel()
	cfg := plugintest.Basic(
		plugintest.Plugin("key-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("rate-limiting", map[string]any{"day": 1}, plugintest.Scope{}),
		// Bob has his own, higher limit: consumer scope beats global.
		plugintest.Plugin("rate-limiting", map[string]any{"day": 3}, plugintest.Scope{Consumer: "c-bob"}),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c-alice", "alice"), plugintest.Consumer("c-bob", "bob")}
	for _, k := range []struct{ id, consumer, key string }{{"k1", "c-alice", "a"}, {"k2", "c-bob", "b"}} {
		ka := &entity.KeyAuth{Consumer: plugintest.Ref(k.consumer), Key: k.key}
		ka.ID = plugintest.ID(k.id)
		cfg.KeyAuths = append(cfg.KeyAuths, ka)
	}
	h := plugintest.New(t, cfg)
	for i, c := range []struct {
		key    string
		status int
		limit  string
	}{{"a", 200, "1"}, {"a", 429, "1"}, {"b", 200, "3"}, {"b", 200, "3"}, {"b", 200, "3"}, {"b", 429, "3"}} {
		req := h.Request(t, "GET", "/", nil)
		req.Header.Set("apikey", c.key)
		resp, body := h.Do(t, req)
		if resp.StatusCode != c.status || resp.Header.Get("X-RateLimit-Limit-Day") != c.limit {
			t.Errorf("call %d (%s): %d limit %q (%s), want %d limit %s", i+1, c.key, resp.StatusCode, resp.Header.Get("X-RateLimit-Limit-Day"), body, c.status, c.limit)
		}
	}
}

func TestRateLimitingCountersSurviveRebuild(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	p := plugintest.Plugin("rate-limiting", map[string]any{"day": 1}, plugintest.Scope{})
	first := plugintest.New(t, plugintest.Basic(p), plugintest.WithRegistry(reg))
	if resp, _ := first.Do(t, first.Request(t, "GET", "/", nil)); resp.StatusCode != 200 {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	// A new snapshot (new chains) with the same plugin instance keeps counting.
	second := plugintest.New(t, plugintest.Basic(p), plugintest.WithRegistry(reg))
	if resp, _ := second.Do(t, second.Request(t, "GET", "/", nil)); resp.StatusCode != 429 {
		t.Errorf("after rebuild: %d, want 429", resp.StatusCode)
	}
}

func TestRateLimitingReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	for i := range 6 {
		resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
		want := 200
		if i == 5 {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d %s, want %d", i+1, resp.StatusCode, body, want)
		}
	}
}

func TestRateLimitingFlatRedisFields(t *testing.T) {
	t.Parallel()
	p := plugintest.Plugin("rate-limiting", map[string]any{
		"minute": 1, "policy": "redis", "redis_host": "cache.internal", "redis_port": 6380, "redis_timeout": nil,
	}, plugintest.Scope{})
	if errs := plugin.Bundled(nil).Normalize(p); errs != nil {
		t.Fatal(errs)
	}
	r, _ := p.Config["redis"].(map[string]any)
	if r["host"] != "cache.internal" || r["port"] != float64(6380) || r["timeout"] != float64(2000) {
		t.Errorf("redis = %v", r)
	}
	if _, ok := p.Config["redis_host"]; ok {
		t.Error("the alias was rendered back")
	}
}

func TestRateLimitingSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "rate-limiting", map[string]plugintest.SchemaCase{
		"no window":        {Config: map[string]any{}, Field: "config", Message: "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"},
		"windows in order": {Config: map[string]any{"minute": 10, "hour": 5}, Field: "config", Message: "The limit for hour(5.0) cannot be lower than the limit for minute(10.0)"},
		"header name":      {Config: map[string]any{"minute": 1, "limit_by": "header"}, Field: "config.header_name", Message: "required field missing"},
		"path":             {Config: map[string]any{"minute": 1, "limit_by": "path"}, Field: "config.path", Message: "required field missing"},
		"limit_by":         {Config: map[string]any{"minute": 1, "limit_by": "moon"}, Field: "config.limit_by", Message: "expected one of: consumer, credential, ip, service, header, path"},
		"cluster policy":   {Config: map[string]any{"minute": 1, "policy": "cluster"}, Field: "config.policy"},
		"redis host":       {Config: map[string]any{"minute": 1, "policy": "redis"}, Field: "config.redis.host", Message: "required field missing"},
		"redis record":     {Config: map[string]any{"minute": 1, "redis": map[string]any{"prot": 1}}, Field: "config.redis.prot", Message: "unknown field"},
		"negative":         {Config: map[string]any{"minute": -1}, Field: "config.minute", Message: "value must be greater than -1"},
	})
}
