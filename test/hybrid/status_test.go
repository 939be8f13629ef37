package hybrid

import (
	"testing"
	"time"
)

// TestDataPlaneStatusEndpoints: a DP's status listener reports the running
// config version and hash and serves read-only upstream health; it has no
// Admin API.
func TestDataPlaneStatusEndpoints(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	dp := c.dp(t, "dp", cp.ls.Cluster[0].Address)
	if code := call(t, "GET", dp.status()+"/status/ready", nil, nil); code != 503 {
		t.Fatalf("/status/ready = %d with an empty configuration, want 503", code)
	}
	mustCall(t, 201, "POST", cp.admin()+"/upstreams", map[string]any{"name": "backend"})
	mustCall(t, 201, "POST", cp.admin()+"/upstreams/backend/targets", map[string]any{"target": "127.0.0.1:9", "weight": 100})
	mustCall(t, 201, "POST", cp.admin()+"/upstreams/backend/targets", map[string]any{"target": "127.0.0.1:10", "weight": 0})
	var health struct {
		Data []map[string]any `json:"data"`
	}
	eventually(t, "upstream health on the DP", 15*time.Second, func() bool {
		return call(t, "GET", dp.status()+"/upstreams/backend/health", nil, &health) == 200 && len(health.Data) == 1
	})
	var all struct {
		Data []map[string]any `json:"data"`
	}
	if code := call(t, "GET", dp.status()+"/upstreams/backend/targets/all", nil, &all); code != 200 || len(all.Data) != 2 {
		t.Fatalf("targets/all: %d with %d targets, want 200 with 2", code, len(all.Data))
	}
	if code := call(t, "GET", dp.status()+"/upstreams/backend/targets/127.0.0.1:9", nil, nil); code != 200 {
		t.Fatalf("targets/{t}: %d", code)
	}
	if code := call(t, "POST", dp.status()+"/upstreams/backend/targets", map[string]any{"target": "x:1"}, nil); code == 200 || code == 201 {
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
	call(t, "GET", dp.status()+"/status", nil, &st)
	r, _ := rowOf(t, cp, dp)
	if st.Cluster.ConfigVersion == 0 || st.Cluster.ConfigHash != st.Hash || !st.Cluster.Connected || r.ConfigHash != st.Hash {
		t.Fatalf("/status = %+v, CP row %+v: want the running version and hash, connected", st, r)
	}
	if code := call(t, "GET", dp.status()+"/status/ready", nil, nil); code != 200 {
		t.Fatalf("/status/ready = %d with a configuration, want 200", code)
	}
	if len(dp.ls.Admin) != 0 {
		t.Fatalf("a data plane bound admin listeners: %v", dp.ls.Admin)
	}
}
