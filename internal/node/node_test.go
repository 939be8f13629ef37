package node_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestReadyHook covers database-backed nodes: readiness follows
// status.Options.Ready (the database answers), not whether any entity exists.
func TestReadyHook(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	n := runNode(t, setup{settings: nodeSettings(t), source: &switchSource{cfg: &entity.Config{}}, ready: func() error {
		if down.Load() {
			return errors.New("database unreachable: connection refused")
		}
		return nil
	}})
	ready := n.Listeners().Status[0].URL() + "/status/ready"
	if code, body := testutil.Get(t, ready); code != 200 {
		t.Fatalf("empty config, database up: /status/ready = %d %s, want 200", code, body)
	}
	down.Store(true)
	if code, body := testutil.Get(t, ready); code != 503 || !strings.Contains(body, "database unreachable") {
		t.Fatalf("database down: /status/ready = %d %s, want 503 naming the database", code, body)
	}
}

func TestReadyFollowsConfig(t *testing.T) {
	t.Parallel()
	up := upstream(t, "first")
	src := &switchSource{cfg: &entity.Config{}}
	n := runNode(t, setup{settings: nodeSettings(t), source: src})
	status := n.Listeners().Status[0].URL()

	if code, body := testutil.Get(t, status+"/status/ready"); code != 503 || !strings.Contains(body, "no configuration") {
		t.Fatalf("empty config: /status/ready = %d %s, want 503 with a message", code, body)
	}
	src.set(oneRoute(up.URL), nil)
	if err := src.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, _ := testutil.Get(t, status+"/status/ready"); code != 200 {
		t.Fatalf("after reload: /status/ready = %d, want 200", code)
	}
	if code, body := testutil.Get(t, n.Listeners().Proxy[0].URL()+"/x"); code != 200 || body != "first" {
		t.Fatalf("proxy: %d %q, want 200 first", code, body)
	}
}

func TestFailedReloadKeepsServing(t *testing.T) {
	t.Parallel()
	up := upstream(t, "kept")
	src := &switchSource{cfg: oneRoute(up.URL)}
	n := runNode(t, setup{settings: nodeSettings(t), source: src})
	hash := n.hash()

	src.set(nil, errBroken)
	err := src.Reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), "previous configuration keeps serving") || !strings.Contains(err.Error(), "services[0].url") {
		t.Fatalf("Reload error = %v, want one saying the old config serves and naming the problem", err)
	}
	if n.hash() != hash {
		t.Fatalf("hash changed to %s after a failed reload", n.hash())
	}
	if code, body := testutil.Get(t, n.Listeners().Proxy[0].URL()+"/"); code != 200 || body != "kept" {
		t.Fatalf("proxy after failed reload: %d %q", code, body)
	}
	_, metrics := testutil.Get(t, n.Listeners().Status[0].URL()+"/metrics")
	for _, want := range []string{`gantry_config_reloads_total{result="failed"} 1`, `gantry_config_reloads_total{result="ok"} 1`, `gantry_config_hash_info{hash="` + hash + `"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestStatusCountsRequests(t *testing.T) {
	t.Parallel()
	up := upstream(t, "ok")
	n := runNode(t, setup{settings: nodeSettings(t), source: &switchSource{cfg: oneRoute(up.URL)}})
	for range 3 {
		testutil.Get(t, n.Listeners().Proxy[0].URL()+"/")
	}
	_, body := testutil.Get(t, n.Listeners().Status[0].URL()+"/status")
	for _, want := range []string{`"total_requests":3`, `"configuration_hash":"` + n.hash() + `"`, `"node_id":"` + n.ID() + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/status = %s; lacks %s", body, want)
		}
	}
	_, metrics := testutil.Get(t, n.Listeners().Status[0].URL()+"/metrics")
	for _, want := range []string{`gantry_proxy_responses_total{class="2xx"} 3`, "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestPrefixFiles(t *testing.T) {
	t.Parallel()
	s := nodeSettings(t)
	n := runNode(t, setup{settings: s})
	ls, err := node.ReadListeners(s.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Proxy) != 1 || strings.HasSuffix(ls.Proxy[0].Address, ":0") || ls.Admin == nil {
		t.Fatalf("listeners.json = %+v, want the real proxy port and an empty admin list", ls)
	}
	if ls.Status[0] != n.Listeners().Status[0] {
		t.Fatalf("listeners.json status %v != bound %v", ls.Status[0], n.Listeners().Status[0])
	}
	pid, _ := os.ReadFile(filepath.Join(s.Prefix, node.PIDFile))
	if strings.TrimSpace(string(pid)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file holds %q", pid)
	}

	id := n.ID()
	if err := n.stop(); err != nil {
		t.Fatalf("Run = %v after cancel, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(s.Prefix, node.ListenersFile)); !os.IsNotExist(err) {
		t.Errorf("listeners.json still there after stop: %v", err)
	}
	again, err := node.NodeID(s.Prefix)
	if err != nil || again != id {
		t.Fatalf("node id after restart = %q, %v; want %q", again, err, id)
	}
}

func TestBindFailureNamesSetting(t *testing.T) {
	t.Parallel()
	n := runNode(t, setup{settings: nodeSettings(t)})
	taken := n.Listeners().Proxy[0].Address
	other, err := newNode(setup{settings: nodeSettings(t, settings.Flag{Key: "proxy_listen", Value: taken})})
	if err != nil {
		t.Fatal(err)
	}
	err = other.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "proxy_listen") || !strings.Contains(err.Error(), taken) {
		t.Fatalf("Run on a taken port = %v, want an error naming proxy_listen and %s", err, taken)
	}
}

func TestDrainWaitsForInFlight(t *testing.T) {
	t.Parallel()
	up := upstream(t, "slow")
	n := runNode(t, setup{settings: nodeSettings(t), source: &switchSource{cfg: oneRoute(up.URL)}})
	type result struct {
		code int
		body string
	}
	res := make(chan result, 1)
	go func() {
		code, body := testutil.Get(t, n.Listeners().Proxy[0].URL()+"/?sleep=1s")
		res <- result{code, body}
	}()
	time.Sleep(200 * time.Millisecond) // let the request reach the upstream
	stopped := make(chan error, 1)
	go func() { stopped <- n.stop() }()
	testutil.Eventually(t, "/status/ready to answer 503 shutting down", 10*time.Second, func() bool {
		code, body := testutil.Get(t, n.Listeners().Status[0].URL()+"/status/ready")
		return code == 503 && strings.Contains(body, "shutting down")
	})
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v, want nil after a drain", err)
	}
	if r := <-res; r.code != 200 || r.body != "slow" {
		t.Fatalf("in-flight request during stop: %d %q, want 200 slow", r.code, r.body)
	}
}
