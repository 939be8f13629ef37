package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestPluginSchemaAndMetricsThroughBinary checks what the node wires
// around plugins: GET /schemas/plugins/{name} describes a loaded plugin's
// config, and what the prometheus plugin records is scraped from the status
// listener's /metrics next to the node's own counters.
func TestPluginSchemaAndMetricsThroughBinary(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "metered", 0)
	n := startTraditional(t)
	api := n.AdminURL()

	if schema := mustAdmin(t, 200, "GET", api+"/schemas/plugins/key-auth", nil); !strings.Contains(schema, "key_names") {
		t.Fatalf("GET /schemas/plugins/key-auth = %s, want the key_names field", schema)
	}
	mustAdmin(t, 404, "GET", api+"/schemas/plugins/no-such-plugin", nil)

	mustAdmin(t, 201, "POST", api+"/services", map[string]any{"name": "metered", "url": up.URL})
	mustAdmin(t, 201, "POST", api+"/services/metered/routes", map[string]any{"name": "metered-route", "paths": []string{"/metered"}})
	mustAdmin(t, 201, "POST", api+"/plugins", map[string]any{"name": "prometheus", "config": map[string]any{"status_code_metrics": true}})
	testutil.Eventually(t, "the route to serve", 10*time.Second, func() bool {
		code, body := get(n.ProxyURL() + "/metered")
		return code == 200 && body == "metered"
	})
	testutil.Eventually(t, "the plugin's counter on /metrics", 10*time.Second, func() bool {
		get(n.ProxyURL() + "/metered")
		_, metrics := get(n.StatusURL() + "/metrics")
		return strings.Contains(metrics, "gantry_http_requests_total{") && strings.Contains(metrics, `service="metered"`)
	})
	_, metrics := get(n.StatusURL() + "/metrics")
	if !strings.Contains(metrics, `gantry_proxy_responses_total{class="2xx"}`) {
		t.Fatalf("/metrics lost the node's own counters:\n%s", metrics)
	}
}
