package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// TestTargetByHostName: a target given by host name is resolved with the
// system resolver (here from /etc/hosts, so no query leaves the machine) and
// traffic reaches the address it resolves to.
func TestTargetByHostName(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "via localhost", 0)
	_, port, _ := net.SplitHostPort(up.Listener.Addr().String())
	doc := fmt.Sprintf(`_format_version: "3.0"
upstreams:
- name: named.upstream
  targets:
  - target: localhost:%s
services:
- name: backend
  host: named.upstream
  routes:
  - name: everything
    paths: [/]
`, port)
	n := startDBLess(t, declFile(t, doc))
	for i := range 5 {
		if code, body := get(n.ProxyURL() + "/"); code != 200 || body != "via localhost" {
			t.Fatalf("request %d through a host-name target = %d %q, want 200 from the upstream", i, code, body)
		}
	}
	code, body := get(n.StatusURL() + "/upstreams/named.upstream/health")
	if code != 200 || !strings.Contains(body, `"localhost:`+port+`"`) || !strings.Contains(body, `"127.0.0.1"`) {
		t.Fatalf("upstream health = %d %s, want the target with its resolved address 127.0.0.1", code, body)
	}
}
