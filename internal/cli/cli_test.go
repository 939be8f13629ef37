package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/version"
	_ "github.com/gantryhq/gantry/plugins/all"
)

// run executes a command line in-process with no GANTRY_* environment.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(t.Context(), args, IO{Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestExampleConfigParses(t *testing.T) {
	t.Parallel()
	cfg, err := declarative.Parse(exampleConfig, declarative.Options{})
	if err != nil {
		t.Fatalf("the example `config init` writes is invalid: %v", err)
	}
	if len(cfg.Services) != 1 || len(cfg.Routes) != 1 {
		t.Fatalf("example has %d services and %d routes, want 1 and 1", len(cfg.Services), len(cfg.Routes))
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErrOut string
	}{
		{name: "version", args: []string{"version"}, wantOut: version.String()},
		{name: "version json", args: []string{"version", "--json"}, wantOut: `"kong_api":"` + version.KongAPI + `"`},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 1, wantErrOut: "unknown command"},
		{name: "bad flag", args: []string{"version", "--nope"}, wantCode: 2, wantErrOut: "see gantry version --help"},
		{name: "set without equals", args: []string{"health", "-p", dir, "--set", "log_level"}, wantCode: 2, wantErrOut: "KEY=VALUE"},
		{name: "set unknown key", args: []string{"health", "-p", dir, "-c", "/dev/null", "--set", "nope=1"}, wantCode: 1, wantErrOut: `unknown setting "nope"`},
		{name: "health without node", args: []string{"health", "-p", dir, "-c", "/dev/null"}, wantCode: 1, wantErrOut: "is Gantry running with prefix " + dir},
		{name: "parse needs a file", args: []string{"config", "parse"}, wantCode: 1, wantErrOut: "accepts 1 arg"},
		{name: "config without subcommand shows help", args: []string{"config"}, wantOut: "parse"},
		{name: "pki mode with missing certificates is refused", args: []string{"start", "-c", "/dev/null", "-p", t.TempDir(), "--set", "role=control_plane", "--set", "cluster_mtls=pki",
			"--set", "cluster_cert=c", "--set", "cluster_cert_key=k", "--set", "cluster_ca_cert=ca"}, wantCode: 1, wantErrOut: "cluster_cert c: no such file"},
		{name: "missing cluster certificate", args: []string{"start", "-c", "/dev/null", "-p", dir, "--set", "role=data_plane", "--set", "database=off",
			"--set", "cluster_cert=" + dir + "/nope.crt", "--set", "cluster_cert_key=" + dir + "/nope.key"}, wantCode: 1, wantErrOut: "cluster_cert"},
		{name: "unknown plugin", args: []string{"start", "-c", "/dev/null", "-p", dir, "--set", "database=off", "--set", "plugins=bundled,nope"}, wantCode: 1, wantErrOut: `unknown plugin "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErrOut) {
				t.Fatalf("gantry %v = %d\nstdout: %s\nstderr: %s\nwant code %d, stdout containing %q, stderr containing %q",
					tt.args, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErrOut)
			}
		})
	}
}

func TestHealthWithStatusOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "listeners.json"), []byte(`{"proxy":[{"address":"127.0.0.1:1"}],"admin":[],"status":[],"cluster":[]}`), 0o644)
	code, _, errOut := run(t, "health", "-c", "/dev/null", "-p", dir)
	if code != 1 || !strings.Contains(errOut, "status_listen = off") {
		t.Fatalf("health without a status listener = %d %q", code, errOut)
	}
}

func TestConfigInitRefusesOverwrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gantry.yaml")
	if code, _, errOut := run(t, "config", "init", path); code != 0 {
		t.Fatalf("config init = %d: %s", code, errOut)
	}
	if code, out, errOut := run(t, "config", "parse", path); code != 0 || !strings.Contains(out, "parse successful") {
		t.Fatalf("config parse of the written example = %d: %s%s", code, out, errOut)
	}
	os.WriteFile(path, []byte("keep me"), 0o644)
	if code, _, errOut := run(t, "config", "init", path); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("second config init = %d %q, want a refusal", code, errOut)
	}
	if got, _ := os.ReadFile(path); string(got) != "keep me" {
		t.Fatalf("file overwritten: %q", got)
	}
}

// TestCheckSettingsAndVersionFlag: `gantry check` validates the settings
// as start reads them without starting anything; `gantry settings` prints
// each effective value with its source, secrets redacted; `--version`
// prints what `version` does.
func TestCheckSettingsAndVersionFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runEnv := func(env []string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), args, IO{Stdout: &out, Stderr: &errOut, Environ: env})
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := runEnv(nil, "check", "-p", dir); code != 0 || !strings.Contains(out, "settings are valid") {
		t.Fatalf("check of valid settings = %d %s%s", code, out, errOut)
	}
	if code, out, errOut := runEnv([]string{"GANTRY_PG_PORT=99999"}, "check", "-p", dir); code != 1 || !strings.Contains(errOut, "pg_port") || !strings.Contains(errOut, "environment variable GANTRY_PG_PORT") {
		t.Fatalf("check of an invalid setting = %d %s%s; want 1 naming the setting and its source", code, out, errOut)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("check wrote to the prefix: %v", entries)
	}
	code, out, errOut := runEnv([]string{"GANTRY_PG_PASSWORD=hunter2"}, "settings", "-p", dir, "--set", "log_level=debug")
	for _, want := range []string{
		"pg_password = ******  # environment variable GANTRY_PG_PASSWORD",
		"log_level = debug  # flag --set log_level",
		"prefix = " + dir + "  # flag -p",
		"pg_port = 5432  # default",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("settings output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || strings.Contains(out+errOut, "hunter2") {
		t.Fatalf("settings = %d, or it printed the secret:\n%s%s", code, out, errOut)
	}
	_, v1, _ := run(t, "version")
	if code, v2, errOut := run(t, "--version"); code != 0 || v1 != v2 || v1 == "" {
		t.Fatalf("--version = %d %q %s, version %q", code, v2, errOut, v1)
	}
}
