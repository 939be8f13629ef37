package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestAdminUpstreamHealth reads and marks target health through a
// traditional node's Admin API, as Kong operators do: the rows come from the
// node's running balancer, and a target marked unhealthy stops receiving
// traffic until it is marked healthy again.
func TestAdminUpstreamHealth(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "healthy target", 0)
	n := startTraditional(t)
	target := strings.TrimPrefix(up.URL, "http://")
	api := n.AdminURL()

	mustAdmin(t, 201, "POST", api+"/upstreams", map[string]any{"name": "pool"})
	mustAdmin(t, 201, "POST", api+"/upstreams/pool/targets", map[string]any{"target": target})
	mustAdmin(t, 201, "POST", api+"/services", map[string]any{"name": "pooled", "host": "pool", "port": 80})
	mustAdmin(t, 201, "POST", api+"/services/pooled/routes", map[string]any{"paths": []string{"/pool"}})
	testutil.Eventually(t, "the upstream to serve", 10*time.Second, func() bool {
		code, body := get(n.ProxyURL() + "/pool")
		return code == 200 && body == "healthy target"
	})

	health := mustAdmin(t, 200, "GET", api+"/upstreams/pool/health", nil)
	if !strings.Contains(health, `"target":"`+target+`"`) || !strings.Contains(health, `"health":"HEALTHCHECKS_OFF"`) {
		t.Fatalf("GET /upstreams/pool/health = %s, want the target with health checks off", health)
	}

	mustAdmin(t, 204, "POST", api+"/upstreams/pool/targets/"+url.PathEscape(target)+"/unhealthy", nil)
	if code, body := get(n.ProxyURL() + "/pool"); code != 503 {
		t.Fatalf("after marking the only target unhealthy: %d %s, want 503", code, body)
	}
	if h := mustAdmin(t, 200, "GET", api+"/upstreams/pool/health", nil); !strings.Contains(h, `"health":"UNHEALTHY"`) {
		t.Fatalf("health after the mark = %s, want UNHEALTHY", h)
	}

	mustAdmin(t, 204, "POST", api+"/upstreams/pool/targets/"+url.PathEscape(target)+"/healthy", nil)
	if code, body := get(n.ProxyURL() + "/pool"); code != 200 || body != "healthy target" {
		t.Fatalf("after marking it healthy again: %d %q, want 200", code, body)
	}
}
