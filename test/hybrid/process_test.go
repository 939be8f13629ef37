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
	"sync"
	"testing"
	"time"
)

// proc is one gantry process.
type proc struct {
	t      *testing.T
	name   string
	prefix string
	env    []string
	cmd    *exec.Cmd
	out    *output
	exited chan struct{}
	ls     struct {
		Proxy   []struct{ Address string } `json:"proxy"`
		Admin   []struct{ Address string } `json:"admin"`
		Status  []struct{ Address string } `json:"status"`
		Cluster []struct{ Address string } `json:"cluster"`
	}
}

// output collects a process's log lines, across restarts.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
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

// freeAddr returns a loopback address nothing listens on, so a control
// plane can be restarted at the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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
	vars := append([]string{"GANTRY_ROLE=data_plane", "GANTRY_DATABASE=off",
		"GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_CLUSTER_CONTROL_PLANE=" + cps,
		"GANTRY_CLUSTER_CERT=" + c.cert, "GANTRY_CLUSTER_CERT_KEY=" + c.key, "GANTRY_LOG_LEVEL=info"}, extra...)
	return startProc(t, name, t.TempDir(), vars)
}

func startProc(t *testing.T, name, prefix string, vars []string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, prefix: prefix, env: vars, out: &output{}}
	t.Cleanup(func() {
		p.kill()
		if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a data race in %s", p.name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", p.name, p.out)
		}
	})
	p.start()
	return p
}

// start runs the process (again) in its prefix and waits for its listeners.
func (p *proc) start() {
	t := p.t
	t.Helper()
	os.Remove(filepath.Join(p.prefix, "listeners.json"))
	conf := filepath.Join(p.prefix, "empty.conf")
	_ = os.WriteFile(conf, []byte("# hermetic\n"), 0o644)
	p.cmd = exec.Command(binary, "start", "-p", p.prefix, "-c", conf)
	p.cmd.Env = append(cleanEnv(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.exited = make(chan struct{})
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, exited := p.cmd, p.exited
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(p.prefix, "listeners.json"))
		if err == nil && json.Unmarshal(data, &p.ls) == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited during start-up:\n%s", p.name, p.out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s wrote no listeners.json in 30s:\n%s", p.name, p.out)
		}
	}
}

// kill SIGKILLs the process and waits for it.
func (p *proc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *proc) proxy() string  { return "http://" + p.ls.Proxy[0].Address }
func (p *proc) admin() string  { return "http://" + p.ls.Admin[0].Address }
func (p *proc) status() string { return "http://" + p.ls.Status[0].Address }

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GANTRY_") {
			out = append(out, kv)
		}
	}
	return out
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

// eventually polls cond every 50 ms until timeout.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
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
	mustCall(t, 201, "POST", cp.admin()+"/services", map[string]any{"name": name, "url": up})
	mustCall(t, 201, "POST", cp.admin()+"/services/"+name+"/routes", map[string]any{"name": name, "paths": []string{path}})
}

// serves reports whether the DP proxies path to the upstream.
func serves(dp *proc, path string) bool {
	resp, err := client.Get(dp.proxy() + path)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && strings.HasPrefix(string(body), "upstream saw")
}
