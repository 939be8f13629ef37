package gantryproc

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// fakeGantry writes a shell script that acts like `gantry start -p PREFIX
// -c CONF`: it says hello, writes listeners.json into its prefix, exits
// with code 3 on SIGTERM and otherwise runs until killed.
func fakeGantry(t *testing.T) string {
	t.Helper()
	script := `#!/bin/sh
echo "started with $GANTRY_FAKE"
mkdir -p "$3"
trap 'exit 3' TERM
echo '{"proxy":[{"address":"127.0.0.1:1"}],"admin":[{"address":"127.0.0.1:2"}],"status":[{"address":"127.0.0.1:3"}]}' > "$3/listeners.json"
while :; do sleep 0.05; done
`
	path := filepath.Join(t.TempDir(), "gantry")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProcStartsSignalsAndRestarts drives a fake gantry through the
// harness: listeners and output after start, an exit code after SIGTERM,
// and output kept across a restart.
func TestProcStartsSignalsAndRestarts(t *testing.T) {
	t.Parallel()
	p := Start(t, Options{Binary: fakeGantry(t), Env: Env("GANTRY_FAKE=yes")})
	if got := p.ProxyURL() + " " + p.AdminURL() + " " + p.StatusURL(); got != "http://127.0.0.1:1 http://127.0.0.1:2 http://127.0.0.1:3" {
		t.Errorf("listeners = %s", got)
	}
	testutil.Eventually(t, "the greeting", 5*time.Second, func() bool { return strings.Contains(p.Out.String(), "started with yes") })
	p.Signal(syscall.SIGTERM)
	if code := p.Wait(5 * time.Second); code != 3 {
		t.Errorf("exit code = %d, want 3", code)
	}
	p.Restart()
	p.Kill()
	if n := strings.Count(p.Out.String(), "started with yes"); n != 2 {
		t.Errorf("output holds %d greetings across a restart, want 2:\n%s", n, p.Out)
	}
}

// TestEnvDropsGantrySettings: a GANTRY_* variable of the developer's shell
// does not reach a node, extra settings do.
func TestEnvDropsGantrySettings(t *testing.T) {
	t.Setenv("GANTRY_PROXY_LISTEN", "0.0.0.0:80")
	env := strings.Join(Env("GANTRY_ROLE=data_plane"), "\n")
	if strings.Contains(env, "GANTRY_PROXY_LISTEN") || !strings.Contains(env, "GANTRY_ROLE=data_plane") {
		t.Errorf("env = %s", env)
	}
}
