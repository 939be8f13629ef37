package hybrid

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// probeTarget is a real server on loopback counting the requests it gets.
func probeTarget(t *testing.T) (addr string, probes *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	probes = &atomic.Int64{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { probes.Add(1) })}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), probes
}

// TestControlPlaneSendsNoHealthProbes: a control plane proxies nothing, so
// it builds no balancers and probes no target, however its upstreams'
// active health checks are set. A data plane given the same configuration
// does probe, which shows the configuration asks for probes.
func TestControlPlaneSendsNoHealthProbes(t *testing.T) {
	t.Parallel()
	target, probes := probeTarget(t)
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	empty := hashOf(cp)
	mustCall(t, 201, "POST", cp.AdminURL()+"/upstreams", map[string]any{"name": "checked", "healthchecks": map[string]any{
		"active": map[string]any{"http_path": "/probe",
			"healthy":   map[string]any{"interval": 0.1},
			"unhealthy": map[string]any{"interval": 0.1}},
	}})
	mustCall(t, 201, "POST", cp.AdminURL()+"/upstreams/checked/targets", map[string]any{"target": target})
	testutil.Eventually(t, "the control plane has the upstream", 15*time.Second, func() bool { h := hashOf(cp); return h != "" && h != empty })
	time.Sleep(time.Second) // ten probe intervals
	if n := probes.Load(); n != 0 {
		t.Fatalf("the control plane sent %d health probes; it must send none", n)
	}
	c.dp(t, "dp", cp.ls.Cluster[0].Address)
	testutil.Eventually(t, "the data plane probes the target", 15*time.Second, func() bool { return probes.Load() > 0 })
}

// TestDataPlaneStartedFromItsCacheAppliesOnce: a data plane restarted
// while the control plane is down builds its cached configuration once.
func TestDataPlaneStartedFromItsCacheAppliesOnce(t *testing.T) {
	t.Parallel()
	dp := restartedWithoutCP(t)
	if !serves(dp, "/cached") {
		t.Fatal("restarted data plane does not serve its cached configuration")
	}
	resp, err := client.Get(dp.StatusURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(metrics), `gantry_config_reloads_total{result="ok"} 1`+"\n") {
		t.Fatalf("a data plane started from its cache applied it more than once (or never):\n%s",
			grepLines(string(metrics), "gantry_config_reloads_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// restartedWithoutCP is a data plane that got a route (/cached) from a
// control plane, then was killed and restarted after the control plane
// died: what it serves comes from its cache.
func restartedWithoutCP(t *testing.T) *proc {
	t.Helper()
	cp, dp, _ := servingCached(t, "cached")
	cp.Kill()
	dp.Kill()
	dp.Restart()
	return dp
}

// servingCached starts a control plane on a fixed address (restartable)
// with a route /name to an upstream, and a data plane that serves it and
// holds it in its config cache; it returns both and the upstream.
func servingCached(t *testing.T, name string) (cp, dp *proc, up string) {
	t.Helper()
	c := newCluster(t)
	addr := testutil.ClosedAddr(t)
	cp = c.cpAt(t, addr)
	up = upstream(t)
	addRoute(t, cp, name, up, "/"+name)
	dp = c.dp(t, "dp", addr)
	testutil.Eventually(t, "dp serves", 15*time.Second, func() bool { return serves(dp, "/"+name) })
	cachedRunning(t, dp)
	return cp, dp, up
}
