package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

func TestInvalidSettingStopsStartup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		conf string
		env  []string
		want []string
	}{
		{name: "in the conf file", conf: "# listeners\nproxy_listen = 0.0.0.0:80x\n", want: []string{"proxy_listen", `"0.0.0.0:80x"`, "gantry.conf line 2", "0 to 65535"}},
		{name: "in the environment", env: []string{"GANTRY_ROLE=edge"}, want: []string{"role", `"edge"`, "GANTRY_ROLE", "traditional, control_plane, data_plane"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conf := filepath.Join(t.TempDir(), "gantry.conf")
			if err := os.WriteFile(conf, []byte(tt.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, "start", "-c", conf, "-p", t.TempDir())
			cmd.Env = gantryproc.Env(tt.env...)
			done := make(chan struct{})
			time.AfterFunc(20*time.Second, func() {
				select {
				case <-done:
				default:
					cmd.Process.Kill()
				}
			})
			out, err := cmd.CombinedOutput()
			close(done)
			if err == nil || cmd.ProcessState.ExitCode() != 1 {
				t.Fatalf("start with an invalid setting: %v, want exit 1\n%s", err, out)
			}
			text := strings.TrimSpace(string(out))
			if strings.Count(text, "\n") != 0 {
				t.Errorf("want exactly one line, got:\n%s", text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output %q lacks %q", text, w)
				}
			}
		})
	}
}

func TestConfigParse(t *testing.T) {
	t.Parallel()
	good := declFile(t, routeTo("http://127.0.0.1:9"))
	code, out, errOut := gantry(t, "config", "parse", good)
	if code != 0 || !strings.Contains(out, "parse successful") {
		t.Fatalf("config parse of a valid file = %d %q %q, want 0", code, out, errOut)
	}

	bad := declFile(t, `_format_version: "3.0"
services:
- name: one
  url: http://127.0.0.1:9
  retries: -1
- name: two
  port: 99999
`)
	code, _, errOut = gantry(t, "config", "parse", bad)
	if code == 0 {
		t.Fatal("config parse of an invalid file exited 0")
	}
	for _, want := range []string{bad, "services[0]", "services[1]", "line"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("config parse output lacks %q:\n%s", want, errOut)
		}
	}

	if code, _, _ := gantry(t, "config", "parse", filepath.Join(t.TempDir(), "missing.yaml")); code == 0 {
		t.Error("config parse of a missing file exited 0")
	}
}

func TestConfigInit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "example.yaml")
	if code, out, errOut := gantry(t, "config", "init", path); code != 0 {
		t.Fatalf("config init = %d %s %s", code, out, errOut)
	}
	if code, out, errOut := gantry(t, "config", "parse", path); code != 0 {
		t.Fatalf("the file config init writes does not parse: %d %s %s", code, out, errOut)
	}
	n := startDBLess(t, path)
	if code, body := get(n.StatusURL() + "/status/ready"); code != 200 {
		t.Fatalf("a node started on the config init example is not ready: %d %s", code, body)
	}
	before, _ := os.ReadFile(path)
	os.WriteFile(path, []byte("mine\n"), 0o644)
	code, _, errOut := gantry(t, "config", "init", path)
	if code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("config init over an existing file = %d %q, want a refusal", code, errOut)
	}
	if after, _ := os.ReadFile(path); string(after) != "mine\n" || len(before) == 0 {
		t.Fatal("config init overwrote an existing file")
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := gantry(t, "version")
	if code != 0 || !strings.HasPrefix(out, "Gantry ") || !strings.Contains(out, "Kong Admin API") {
		t.Fatalf("gantry version = %d %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"start", "--help"}, {"health", "--help"}, {"version", "--help"}, {"config", "--help"}, {"config", "parse", "--help"}, {"config", "init", "--help"},
		{"config", "db_import", "--help"}, {"config", "db_export", "--help"}, {"hybrid", "gen_cert", "--help"},
		{"migrations", "--help"}, {"migrations", "bootstrap", "--help"}, {"migrations", "up", "--help"}, {"migrations", "list", "--help"}, {"migrations", "reset", "--help"}} {
		code, out, _ := gantry(t, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("gantry %v = %d, want usage text", args, code)
		}
	}
	if code, _, errOut := gantry(t, "start", "--no-such-flag"); code != 2 || !strings.Contains(errOut, "--help") {
		t.Errorf("unknown flag: exit %d %q, want 2 with a pointer to --help", code, errOut)
	}
}

func TestHealthWithoutNode(t *testing.T) {
	t.Parallel()
	code, _, errOut := gantry(t, append([]string{"health", "-p", t.TempDir()}, gantryproc.Hermetic(t)...)...)
	if code != 1 || !strings.Contains(errOut, "is Gantry running") {
		t.Fatalf("health without a node = %d %q, want exit 1 saying it is not running", code, errOut)
	}
}

// TestSecondNodeOnSamePrefixRefused: the prefix's lock keeps two nodes from
// sharing a prefix (node id, listeners.json, config cache).
func TestSecondNodeOnSamePrefixRefused(t *testing.T) {
	t.Parallel()
	first := startDBLess(t, "")
	cmd := exec.Command(binary, append([]string{"start", "-p", first.Prefix}, gantryproc.Hermetic(t)...)...)
	cmd.Env = gantryproc.Env("GANTRY_DATABASE=off", "GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN=127.0.0.1:0")
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is running with prefix") {
		t.Fatalf("second start on the same prefix: %v\n%s", err, out)
	}
	if code, _ := get(first.StatusURL() + "/status"); code != 200 {
		t.Fatalf("the first node stopped answering (%d) after the refused start", code)
	}
	if _, err := os.Stat(filepath.Join(first.Prefix, "listeners.json")); err != nil {
		t.Fatalf("the refused start removed the first node's listeners.json: %v", err)
	}
}

// TestStartAfterACrashWhosePIDWasReused: a node killed with SIGKILL leaves
// its pid file; once another live process has that pid, the node still
// starts again on the prefix: the lock the dead process held went with
// it, and the pid decides nothing.
func TestStartAfterACrashWhosePIDWasReused(t *testing.T) {
	t.Parallel()
	n := startDBLess(t, "")
	n.Kill()
	// The pid file as a crash leaves it, naming a live process (this test).
	pidFile := filepath.Join(n.Prefix, "gantry.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n.Restart()
	if code, _ := get(n.StatusURL() + "/status"); code != 200 {
		t.Fatalf("the node did not start again after the crash: /status %d\n%s", code, n.Out.String())
	}
	if got, _ := os.ReadFile(pidFile); strings.TrimSpace(string(got)) != strconv.Itoa(n.Cmd.Process.Pid) {
		t.Fatalf("pid file holds %q, want the restarted node's %d", got, n.Cmd.Process.Pid)
	}
}
