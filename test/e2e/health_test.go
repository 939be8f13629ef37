package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestActiveHealthChecksThroughBinary: a target that dies is taken out of
// the balancer by active checks (clients keep getting answers from the
// other), and comes back in when it serves again.
func TestActiveHealthChecksThroughBinary(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "A", 0)
	b := newUpstream(t, "B", 0)
	bAddr := b.Listener.Addr().String()
	doc := fmt.Sprintf(`_format_version: "3.0"
upstreams:
- name: checked.upstream
  healthchecks:
    active:
      timeout: 0.5
      healthy: {interval: 0.1, successes: 1}
      unhealthy: {interval: 0.1, tcp_failures: 1, http_failures: 1, timeouts: 1}
  targets:
  - target: %s
  - target: %s
services:
- name: backend
  host: checked.upstream
  retries: 0
  routes: [{name: everything, paths: [/]}]
`, strings.TrimPrefix(a.URL, "http://"), bAddr)
	n := startDBLess(t, declFile(t, doc))

	// answers sends n requests and counts the bodies; failures count as "".
	answers := func(count int) map[string]int {
		seen := map[string]int{}
		for range count {
			code, body := get(n.ProxyURL() + "/")
			if code != 200 {
				body = ""
			}
			seen[body]++
		}
		return seen
	}
	targetHealth := func(want string) bool {
		_, body := get(n.StatusURL() + "/upstreams/checked.upstream/health")
		return strings.Contains(body, `"target":"`+bAddr+`"`) && strings.Contains(body, `"health":"`+want+`"`)
	}
	if seen := answers(10); seen["A"] == 0 || seen["B"] == 0 {
		t.Fatalf("answers while both targets are up: %v, want both", seen)
	}

	b.Close()
	testutil.Eventually(t, "the dead target to be UNHEALTHY", 10*time.Second, func() bool { return targetHealth("UNHEALTHY") })
	if seen := answers(20); seen["A"] != 20 {
		t.Fatalf("answers with B dead and marked unhealthy: %v, want all 20 from A", seen)
	}

	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", bAddr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", bAddr, err)
	}
	revived := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "B") })}
	go revived.Serve(ln)
	t.Cleanup(func() { revived.Close() })
	testutil.Eventually(t, "the revived target to take traffic again", 10*time.Second, func() bool {
		return answers(10)["B"] > 0
	})
}
