package hybrid

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestRouteCreatedOnTheCPIsServedByEveryDP also lists the data planes:
// every one with the CP's hash and sync_status normal.
func TestRouteCreatedOnTheCPIsServedByEveryDP(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	addr := cp.ls.Cluster[0].Address
	dps := []*proc{c.dp(t, "dp1", addr, "GANTRY_CLUSTER_DP_LABELS=region:eu,tier:gold"), c.dp(t, "dp2", addr), c.dp(t, "dp3", addr)}
	for _, dp := range dps {
		testutil.Eventually(t, dp.Name+" listed", 15*time.Second, func() bool { _, ok := rowOf(t, cp, dp); return ok })
	}
	up := upstream(t)
	start := time.Now()
	addRoute(t, cp, "echo", up, "/echo")
	for _, dp := range dps {
		testutil.Eventually(t, dp.Name+" serves /echo", 15*time.Second, func() bool { return serves(dp, "/echo") })
	}
	t.Logf("route served by all %d data planes %s after the Admin API answered", len(dps), time.Since(start).Round(time.Millisecond))

	for _, dp := range dps {
		testutil.Eventually(t, dp.Name+" normal with the CP's hash", 15*time.Second, func() bool {
			r, _ := rowOf(t, cp, dp)
			return r.SyncStatus == "normal" && r.RunsExpected && r.ConfigHash == r.ExpectedConfigHash && r.ConfigHash == hashOf(dp)
		})
		r, _ := rowOf(t, cp, dp)
		if r.IP != "127.0.0.1" || r.Hostname == "" || r.Version == "" || r.LastSeen == 0 || r.UpdatedAt == 0 || r.CertDetails.ExpiryTimestamp < time.Now().Unix() {
			t.Errorf("%s row is incomplete: %+v", dp.Name, r)
		}
	}
	if r, _ := rowOf(t, cp, dps[0]); r.Labels["region"] != "eu" || r.Labels["tier"] != "gold" {
		t.Errorf("labels = %v, want region:eu and tier:gold", r.Labels)
	}
	var old map[string]any
	if code := call(t, "GET", cp.AdminURL()+"/clustering/status", nil, &old); code != 200 || len(old) != len(dps) {
		t.Errorf("deprecated /clustering/status: %d with %d entries, want 200 with %d", code, len(old), len(dps))
	}
	var msg map[string]any
	if code := call(t, "GET", dps[0].StatusURL()+"/clustering/data-planes", nil, &msg); code == 200 {
		t.Error("a data plane lists data planes")
	}
}

// TestDeltaEndsWithTheSameHashAsFull: a DP that follows the changes gets
// deltas, a fresh one the whole config; both run the same hash.
func TestDeltaEndsWithTheSameHashAsFull(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	addr := cp.ls.Cluster[0].Address
	up := upstream(t)
	for i := range 20 {
		addRoute(t, cp, fmt.Sprintf("svc%d", i), up, fmt.Sprintf("/p%d", i))
	}
	early := c.dp(t, "early", addr)
	testutil.Eventually(t, "early DP serves the 20 routes", 15*time.Second, func() bool { return serves(early, "/p19") })
	addRoute(t, cp, "late", up, "/late")
	mustCall(t, 204, "DELETE", cp.AdminURL()+"/routes/svc0", nil)
	testutil.Eventually(t, "early DP follows", 15*time.Second, func() bool { return serves(early, "/late") && !serves(early, "/p0") })
	if !strings.Contains(cp.out.String(), "delta=true") {
		t.Fatal("the early data plane got no delta")
	}
	fresh := c.dp(t, "fresh", addr)
	testutil.Eventually(t, "fresh DP serves /late", 15*time.Second, func() bool { return serves(fresh, "/late") })
	if h1, h2 := hashOf(early), hashOf(fresh); h1 != h2 || h1 == "" {
		t.Fatalf("delta-fed DP runs %s, full-fed DP runs %s", h1, h2)
	}
}
