package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/plugins/rate-limiting/redistest"
)

// rateLimitedRoute is a declarative file with one route to url under
// rate-limiting's redis policy (limit per day, by IP) on redisPort.
func rateLimitedRoute(url string, redisPort, day int, extra string) string {
	return routeTo(url) + fmt.Sprintf(`plugins:
- name: rate-limiting
  config:
    day: %d
    limit_by: ip
    policy: redis
    redis:
      host: 127.0.0.1
      port: %d
      timeout: 500
%s`, day, redisPort, extra)
}

// TestRateLimitingRedisSharedByTwoNodes runs two gantry processes counting
// in one real Redis: the limit holds across both, whichever node a request
// reaches.
func TestRateLimitingRedisSharedByTwoNodes(t *testing.T) {
	t.Parallel()
	port := redistest.Start(t)
	up := newUpstream(t, "upstream", 0)
	file := declFile(t, rateLimitedRoute(up.URL, port, 3, ""))
	a, b := startDBLess(t, file), startDBLess(t, file)
	for i, c := range []struct {
		node      *node
		status    int
		remaining string
	}{{a, 200, "2"}, {b, 200, "1"}, {a, 200, "0"}, {b, 429, "0"}, {a, 429, "0"}} {
		resp, body := call(t, c.node.ProxyURL()+"/")
		if resp.StatusCode != c.status || resp.Header.Get("X-RateLimit-Remaining-Day") != c.remaining ||
			resp.Header.Get("X-RateLimit-Limit-Day") != "3" {
			t.Errorf("call %d: %d %q remaining %q limit %q, want %d remaining %s", i+1, resp.StatusCode, body,
				resp.Header.Get("X-RateLimit-Remaining-Day"), resp.Header.Get("X-RateLimit-Limit-Day"), c.status, c.remaining)
		}
		if c.status == 429 && !strings.Contains(body, "API rate limit exceeded") {
			t.Errorf("call %d: body %q, want Kong's 429 message", i+1, body)
		}
	}
}

// TestRateLimitingRedisUnavailable points rate-limiting at a port nothing
// listens on: with fault_tolerant (the default) requests are proxied
// without rate-limiting headers; without it they fail with 500. Either
// way the node logs the failure with the plugin's name and keeps serving.
func TestRateLimitingRedisUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().(*net.TCPAddr).Port
	l.Close()
	up := newUpstream(t, "upstream", 0)
	for _, c := range []struct {
		name          string
		faultTolerant bool
		status        int
	}{{"fault tolerant", true, 200}, {"strict", false, 500}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			n := startDBLess(t, declFile(t, rateLimitedRoute(up.URL, dead, 3, fmt.Sprintf("    fault_tolerant: %v\n", c.faultTolerant))))
			for i := range 2 { // the node keeps answering after a failure
				resp, body := call(t, n.ProxyURL()+"/")
				if resp.StatusCode != c.status || resp.Header.Get("X-RateLimit-Limit-Day") != "" {
					t.Errorf("call %d: %d %q (limit header %q), want %d without rate-limiting headers",
						i+1, resp.StatusCode, body, resp.Header.Get("X-RateLimit-Limit-Day"), c.status)
				}
				if c.status == 200 && body != "upstream" {
					t.Errorf("call %d: body %q, want the upstream's", i+1, body)
				}
			}
			testutil.Eventually(t, "the failure in the node's log", 10*time.Second, func() bool {
				return strings.Contains(n.Out.String(), "rate-limiting")
			})
		})
	}
}
