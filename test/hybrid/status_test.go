package hybrid

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestDataPlaneStatusEndpoints: a DP's status listener reports the running
// config version and hash and serves read-only upstream health; it has no
// Admin API.
func TestDataPlaneStatusEndpoints(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	dp := c.dp(t, "dp", cp.ls.Cluster[0].Address)
	if code := call(t, "GET", dp.StatusURL()+"/status/ready", nil, nil); code != 503 {
		t.Fatalf("/status/ready = %d with an empty configuration, want 503", code)
	}
	mustCall(t, 201, "POST", cp.AdminURL()+"/upstreams", map[string]any{"name": "backend"})
	mustCall(t, 201, "POST", cp.AdminURL()+"/upstreams/backend/targets", map[string]any{"target": "127.0.0.1:9", "weight": 100})
	mustCall(t, 201, "POST", cp.AdminURL()+"/upstreams/backend/targets", map[string]any{"target": "127.0.0.1:10", "weight": 0})
	var all struct {
		Data []map[string]any `json:"data"`
	}
	testutil.Eventually(t, "both targets on the DP", 15*time.Second, func() bool {
		return call(t, "GET", dp.StatusURL()+"/upstreams/backend/targets/all", nil, &all) == 200 && len(all.Data) == 2
	})
	var health, enabled struct {
		Data []map[string]any `json:"data"`
	}
	if code := call(t, "GET", dp.StatusURL()+"/upstreams/backend/health", nil, &health); code != 200 || len(health.Data) != 1 {
		t.Fatalf("health: %d with %d targets, want 200 with the one enabled target", code, len(health.Data))
	}
	if code := call(t, "GET", dp.StatusURL()+"/upstreams/backend/targets", nil, &enabled); code != 200 || len(enabled.Data) != 1 {
		t.Fatalf("targets: %d with %d targets, want 200 with the one enabled target", code, len(enabled.Data))
	}
	if code := call(t, "GET", dp.StatusURL()+"/upstreams/backend/targets/127.0.0.1:9", nil, nil); code != 200 {
		t.Fatalf("targets/{t}: %d", code)
	}
	if code := call(t, "POST", dp.StatusURL()+"/upstreams/backend/targets", map[string]any{"target": "x:1"}, nil); code == 200 || code == 201 {
		t.Fatal("a data plane accepted a write")
	}
	var st struct {
		Hash    string `json:"configuration_hash"`
		Cluster struct {
			ConfigVersion int64  `json:"config_version"`
			ConfigHash    string `json:"config_hash"`
			Connected     bool   `json:"connected"`
		} `json:"cluster"`
	}
	// The agent records the version just after the proxy swaps the snapshot
	// in, so /status may lag the running hash for a moment.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		call(t, "GET", dp.StatusURL()+"/status", nil, &st)
		if st.Cluster.ConfigVersion != 0 && st.Cluster.ConfigHash == st.Hash && st.Cluster.Connected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/status = %+v: want the running version and hash, connected", st)
		}
	}
	testutil.Eventually(t, "the CP row shows the DP's hash", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return r.ConfigHash == st.Hash
	})
	if code := call(t, "GET", dp.StatusURL()+"/status/ready", nil, nil); code != 200 {
		t.Fatalf("/status/ready = %d with a configuration, want 200", code)
	}
	resp, err := client.Get(dp.StatusURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(metrics), `gantry_config_hash_info{hash="`+st.Hash+`"}`) {
		t.Fatalf("/metrics = %d without the running hash:\n%.2000s", resp.StatusCode, metrics)
	}
	if len(dp.ls.Admin) != 0 {
		t.Fatalf("a data plane bound admin listeners: %v", dp.ls.Admin)
	}
}
