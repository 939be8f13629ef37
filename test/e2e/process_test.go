package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// node is a gantry process started by a test.
type node = gantryproc.Proc

// startDBLess starts a DB-less node on loopback port 0 loading declFile
// ("" for none) and waits until listeners.json appears.
func startDBLess(t *testing.T, declFile string, extraEnv ...string) *node {
	t.Helper()
	vars := []string{"GANTRY_DATABASE=off", "GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0", "GANTRY_LOG_LEVEL=info"}
	if declFile != "" {
		vars = append(vars, "GANTRY_DECLARATIVE_CONFIG="+declFile)
	}
	return start(t, gantryproc.Env(append(vars, extraEnv...)...))
}

// loopback puts the proxy, status and Admin API listeners on 127.0.0.1
// port 0.
var loopback = []string{"GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0"}

// startTraditional starts a node on its default store (SQLite in its
// prefix) with every listener on loopback, plus the extra settings.
func startTraditional(t *testing.T, extra ...string) *node {
	t.Helper()
	return start(t, gantryproc.Env(append(slices.Clone(loopback), extra...)...))
}

// sigterm is the polite stop signal.
const sigterm = syscall.SIGTERM

// start starts `gantry start` in a fresh prefix and waits for listeners.json.
func start(t *testing.T, environ []string) *node {
	t.Helper()
	return gantryproc.Start(t, gantryproc.Options{Binary: binary, Env: environ, StartTimeout: 20 * time.Second})
}

// startIn starts `gantry start` with prefix and waits for listeners.json.
func startIn(t *testing.T, prefix string, environ []string) *node {
	t.Helper()
	return gantryproc.Start(t, gantryproc.Options{Binary: binary, Prefix: prefix, Env: environ, StartTimeout: 20 * time.Second})
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
	cmd.Env = gantryproc.Env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("gantry %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}
