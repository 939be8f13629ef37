package hybrid

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// proc is one gantry process of a test. out and ls are short names for
// the harness's Out and Listeners (ls follows restarts).
type proc struct {
	*gantryproc.Proc
	t   *testing.T
	out *testutil.Buffer
	ls  *gantryproc.Listeners
}

// cluster is the shared certificate of a test's nodes.
type cluster struct {
	cert, key string
}

// newCluster makes a certificate pair with `gantry hybrid gen_cert`.
func newCluster(t *testing.T) cluster {
	t.Helper()
	dir := t.TempDir()
	c := cluster{cert: filepath.Join(dir, "cluster.crt"), key: filepath.Join(dir, "cluster.key")}
	if out, err := gantry(t, "hybrid", "gen_cert", c.cert, c.key); err != nil {
		t.Fatalf("gen_cert: %v\n%s", err, out)
	}
	return c
}

// cpAt starts a control plane on SQLite with its cluster listener at addr.
func (c cluster) cpAt(t *testing.T, addr string, extra ...string) *proc {
	vars := append([]string{"GANTRY_ROLE=control_plane", "GANTRY_DATABASE=sqlite",
		"GANTRY_ADMIN_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_CLUSTER_LISTEN=" + addr,
		"GANTRY_CLUSTER_CERT=" + c.cert, "GANTRY_CLUSTER_CERT_KEY=" + c.key, "GANTRY_LOG_LEVEL=debug"}, extra...)
	return startProc(t, "cp", t.TempDir(), vars)
}

// dp starts a data plane connecting to the control plane addresses.
func (c cluster) dp(t *testing.T, name string, cps string, extra ...string) *proc {
	return c.dpIn(t, name, t.TempDir(), cps, extra...)
}

// dpIn is dp in a given prefix.
func (c cluster) dpIn(t *testing.T, name, prefix, cps string, extra ...string) *proc {
	vars := append([]string{"GANTRY_ROLE=data_plane", "GANTRY_DATABASE=off",
		"GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_CLUSTER_CONTROL_PLANE=" + cps,
		"GANTRY_CLUSTER_CERT=" + c.cert, "GANTRY_CLUSTER_CERT_KEY=" + c.key, "GANTRY_LOG_LEVEL=info"}, extra...)
	return startProc(t, name, prefix, vars)
}

// startProc starts a node in prefix with the GANTRY_* settings vars and
// waits for its listeners.
func startProc(t *testing.T, name, prefix string, vars []string) *proc {
	t.Helper()
	p := gantryproc.Start(t, gantryproc.Options{Binary: binary, Name: name, Prefix: prefix, Env: gantryproc.Env(vars...)})
	return &proc{Proc: p, t: t, out: p.Out, ls: &p.Listeners}
}

// cleanEnv is the environment without GANTRY_* settings.
func cleanEnv() []string { return gantryproc.Env() }

// startFails starts a node of role with cert and key, plus vars, in a
// fresh prefix on free ports, and checks that start-up fails with output
// mentioning each of want, and returns the output. what ends the failure
// message when it starts.
func startFails(t *testing.T, role, cert, key string, vars, want []string, what string) string {
	t.Helper()
	db := map[string]string{"control_plane": "sqlite", "data_plane": "off"}[role]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "start", "-p", t.TempDir(), "-c", os.DevNull)
	cmd.Env = append(append(cleanEnv(), "GANTRY_ROLE="+role, "GANTRY_DATABASE="+db,
		"GANTRY_CLUSTER_CERT="+cert, "GANTRY_CLUSTER_CERT_KEY="+key,
		"GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_CLUSTER_LISTEN=127.0.0.1:0"), vars...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("start-up succeeded%s:\n%s", what, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("output does not mention %q:\n%s", w, out)
		}
	}
	return string(out)
}

// gantry runs a short gantry command.
func gantry(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var client = &http.Client{Timeout: 5 * time.Second}

// call sends a JSON request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

// mustCall is call that fails the test unless the status is want.
func mustCall(t *testing.T, want int, method, url string, body any) {
	t.Helper()
	var out map[string]any
	if got := call(t, method, url, body, &out); got != want {
		t.Fatalf("%s %s: %d %v, want %d", method, url, got, out, want)
	}
}

// upstream is a real HTTP server the routes proxy to.
func upstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream saw %s", r.URL.Path)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// addRoute creates a service pointing at up and a route for path on the CP.
func addRoute(t *testing.T, cp *proc, name, up, path string) {
	t.Helper()
	mustCall(t, 201, "POST", cp.AdminURL()+"/services", map[string]any{"name": name, "url": up})
	mustCall(t, 201, "POST", cp.AdminURL()+"/services/"+name+"/routes", map[string]any{"name": name, "paths": []string{path}})
}

// cachedRunning waits until the DP's config cache file holds the
// configuration it runs: the file follows an apply by up to 250 ms.
func cachedRunning(t *testing.T, dp *proc) {
	t.Helper()
	testutil.Eventually(t, dp.Name+" cached the configuration it runs", 10*time.Second, func() bool {
		cc, err := wire.ReadCache(filepath.Join(dp.Prefix, wire.CacheFile))
		return err == nil && cc.Hash == hashOf(dp)
	})
}

// serves reports whether the DP proxies path to the upstream.
func serves(dp *proc, path string) bool {
	resp, err := client.Get(dp.ProxyURL() + path)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && strings.HasPrefix(string(body), "upstream saw")
}
