package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// node is a gantry process started by a test.
type node struct {
	t      *testing.T
	cmd    *exec.Cmd
	prefix string
	log    *syncBuffer
	exited chan struct{}
	err    error // cmd.Wait's result, valid once exited is closed
	ls     listeners
}

type bound struct {
	Address string `json:"address"`
}

type listeners struct {
	Proxy  []bound `json:"proxy"`
	Admin  []bound `json:"admin"`
	Status []bound `json:"status"`
}

// syncBuffer collects a process's stderr while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is the test process's environment without GANTRY_* settings, plus extra.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GANTRY_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// hermetic returns -c with an empty conf file, so a gantry.conf in /etc
// never leaks into a test.
func hermetic(t *testing.T) []string {
	conf := filepath.Join(t.TempDir(), "gantry.conf")
	if err := os.WriteFile(conf, []byte("# empty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"-c", conf}
}

// startDBLess starts a DB-less node on loopback port 0 loading declFile
// ("" for none) and waits until listeners.json appears.
func startDBLess(t *testing.T, declFile string, extraEnv ...string) *node {
	t.Helper()
	vars := []string{"GANTRY_DATABASE=off", "GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0", "GANTRY_LOG_LEVEL=info"}
	if declFile != "" {
		vars = append(vars, "GANTRY_DECLARATIVE_CONFIG="+declFile)
	}
	return start(t, env(append(vars, extraEnv...)...))
}

// sigterm is the polite stop signal.
const sigterm = syscall.SIGTERM

func start(t *testing.T, environ []string) *node {
	t.Helper()
	return startIn(t, filepath.Join(t.TempDir(), "prefix"), environ)
}

// startIn starts `gantry start` with prefix and waits for listeners.json.
func startIn(t *testing.T, prefix string, environ []string) *node {
	t.Helper()
	n := &node{t: t, prefix: prefix, log: &syncBuffer{}, exited: make(chan struct{})}
	n.cmd = exec.Command(binary, append([]string{"start", "-p", n.prefix}, hermetic(t)...)...)
	n.cmd.Env = environ
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.err = n.cmd.Wait(); close(n.exited) }()
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		<-n.exited
		if strings.Contains(n.log.String(), "DATA RACE") {
			t.Error("the race detector found a data race in gantry")
		}
		if t.Failed() {
			t.Logf("gantry output:\n%s", n.log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(n.prefix, "listeners.json"))
		if err == nil && json.Unmarshal(data, &n.ls) == nil {
			return n
		}
		select {
		case <-n.exited:
			t.Fatalf("gantry exited during start-up (%v):\n%s", n.err, n.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listeners.json after 20s:\n%s", n.log.String())
		}
	}
}

func (n *node) proxyURL() string  { return "http://" + n.ls.Proxy[0].Address }
func (n *node) statusURL() string { return "http://" + n.ls.Status[0].Address }
func (n *node) adminURL() string  { return "http://" + n.ls.Admin[0].Address }

func (n *node) signal(sig syscall.Signal) {
	n.t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its exit code.
func (n *node) wait(timeout time.Duration) int {
	n.t.Helper()
	select {
	case <-n.exited:
		return n.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		n.t.Fatalf("gantry still running %s after the signal:\n%s", timeout, n.log.String())
		return -1
	}
}

// eventually polls cond every 50 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// get fetches url with a bounded timeout; transport errors give code 0.
func get(url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// gantry runs a short gantry command and returns its exit code and output.
func gantry(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("gantry %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}
