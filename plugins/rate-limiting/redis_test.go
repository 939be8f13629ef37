package ratelimiting_test

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	"github.com/gantryhq/gantry/plugins/rate-limiting/redistest"
)

func TestRateLimitingRedisSharedBetweenNodes(t *testing.T) {
	t.Parallel()
	port := redistest.Start(t)
	p := plugintest.Plugin("rate-limiting", map[string]any{
		"day": 2, "limit_by": "ip", "policy": "redis",
		"redis": map[string]any{"host": "127.0.0.1", "port": port},
	}, plugintest.Scope{})
	// Two harnesses with their own registries are two gateway nodes
	// running the same plugin instance.
	nodeA := plugintest.New(t, plugintest.Basic(p))
	nodeB := plugintest.New(t, plugintest.Basic(p))
	for i, c := range []struct {
		node      *plugintest.Harness
		status    int
		remaining string
	}{{nodeA, 200, "1"}, {nodeB, 200, "0"}, {nodeA, 429, "0"}, {nodeB, 429, "0"}} {
		resp, body := c.node.Do(t, c.node.Request(t, "GET", "/", nil))
		if resp.StatusCode != c.status || resp.Header.Get("X-RateLimit-Remaining-Day") != c.remaining {
			t.Errorf("call %d: %d remaining %q (%s), want %d remaining %s", i+1, resp.StatusCode,
				resp.Header.Get("X-RateLimit-Remaining-Day"), body, c.status, c.remaining)
		}
	}
}

func TestRateLimitingRedisDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there any more
	for _, tt := range []struct {
		name          string
		faultTolerant bool
		status        int
	}{{"fault tolerant lets requests through", true, 200}, {"strict fails the request", false, 500}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("rate-limiting", map[string]any{
				"day": 1, "policy": "redis", "fault_tolerant": tt.faultTolerant,
				"redis": map[string]any{"host": "127.0.0.1", "port": port, "timeout": 500},
			}, plugintest.Scope{})))
			resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 500 && plugintest.Message(body) != "An unexpected error occurred" {
				t.Errorf("body = %s, want Kong's 500 message", body)
			}
			if tt.status == 200 {
				plugintest.DecodeEcho(t, body) // proxied: the upstream answered
			}
			for _, name := range []string{"X-RateLimit-Limit-Day", "X-RateLimit-Remaining-Day", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
				if resp.Header.Get(name) != "" {
					t.Errorf("%s sent without counters", name)
				}
			}
			// Either way the failure is logged, naming the plugin.
			if logs := h.Logs(); !strings.Contains(logs, "rate-limiting") || !strings.Contains(logs, strconv.Itoa(port)) {
				t.Errorf("logs do not name the plugin and the redis address:\n%s", logs)
			}
		})
	}
}
