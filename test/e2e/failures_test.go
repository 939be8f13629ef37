package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestUpstreamFailuresThroughBinary: what a client gets from a DB-less node
// when the upstream side fails, and that retries hide a dead target.
func TestUpstreamFailuresThroughBinary(t *testing.T) {
	t.Parallel()
	slow := newUpstream(t, "too late", 1500*time.Millisecond)
	live := newUpstream(t, "live", 0)
	liveAddr := strings.TrimPrefix(live.URL, "http://")
	doc := fmt.Sprintf(`_format_version: "3.0"
upstreams:
- name: empty.upstream
- name: half-dead.upstream
  targets:
  - target: %s
  - target: %s
services:
- name: refused
  url: http://%s
  retries: 0
  routes: [{name: refused, paths: [/refused]}]
- name: slow
  url: %s
  read_timeout: 300
  retries: 0
  routes: [{name: slow, paths: [/slow], strip_path: false}]
- name: no-targets
  host: empty.upstream
  routes: [{name: no-targets, paths: [/empty]}]
- name: retried
  host: half-dead.upstream
  retries: 5
  routes: [{name: retried, paths: [/retried]}]
`, testutil.ClosedAddr(t), liveAddr, testutil.ClosedAddr(t), slow.URL)
	n := startDBLess(t, declFile(t, doc))

	tests := []struct {
		name, path string
		code       int
		message    string
	}{
		{"no route", "/nowhere", 404, "no Route matched with those values"},
		{"connection refused", "/refused", 502, "An invalid response was received from the upstream server"},
		{"read timeout", "/slow", 504, "The upstream server is timing out"},
		{"upstream without targets", "/empty", 503, "failure to get a peer from the ring-balancer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(n.ProxyURL() + tt.path)
			if want := `{"message":"` + tt.message + `"}`; code != tt.code || strings.TrimSpace(body) != want {
				t.Fatalf("GET %s = %d %q, want %d with {\"message\":%q}", tt.path, code, body, tt.code, tt.message)
			}
		})
	}
	t.Run("retries reach the live target", func(t *testing.T) {
		for i := range 10 {
			if code, body := get(n.ProxyURL() + "/retried"); code != 200 || body != "live" {
				t.Fatalf("request %d = %d %q, want every request answered by the live target", i, code, body)
			}
		}
	})
}
