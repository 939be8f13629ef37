package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// sqliteArgs are settings flags pointing at a fresh SQLite file.
func sqliteArgs(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"-c", "/dev/null", "-p", dir, "--set", "database=sqlite"}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	flags := sqliteArgs(t)
	steps := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stdout+stderr
	}{
		{name: "list before bootstrap", args: []string{"migrations", "list"}, wantCode: 3, want: "gantry migrations bootstrap"},
		{name: "bootstrap", args: []string{"migrations", "bootstrap"}, want: "bootstrapped, ran:"},
		{name: "list when up to date", args: []string{"migrations", "list"}, want: "pending: none"},
		{name: "bootstrap twice", args: []string{"migrations", "bootstrap"}, wantCode: 1, want: "Error:"},
		{name: "up with nothing pending", args: []string{"migrations", "up"}, want: "ran: none"},
		{name: "reset needs --yes", args: []string{"migrations", "reset"}, wantCode: 1, want: "--yes"},
		{name: "reset", args: []string{"migrations", "reset", "--yes"}, want: "database reset"},
		{name: "list after reset", args: []string{"migrations", "list"}, wantCode: 3, want: "bootstrap"},
	}
	for _, st := range steps {
		code, out, errOut := run(t, append(st.args, flags...)...)
		if code != st.wantCode || !strings.Contains(out+errOut, st.want) {
			t.Fatalf("%s: gantry %v = %d\n%s%s\nwant %d and %q", st.name, st.args, code, out, errOut, st.wantCode, st.want)
		}
	}
	if code, _, errOut := run(t, "migrations", "list", "-c", "/dev/null", "-p", t.TempDir(), "--set", "database=off"); code != 1 || !strings.Contains(errOut, "keeps no database") {
		t.Fatalf("migrations on a DB-less node = %d %q", code, errOut)
	}
}

func TestDBImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "in.yaml")
	doc := `_format_version: "3.0"
services:
- name: svc
  url: http://127.0.0.1:9
  routes:
  - name: r
    paths: [ /r ]
consumers:
- username: alice
`
	os.WriteFile(src, []byte(doc), 0o644)
	flags := sqliteArgs(t)

	code, out, errOut := run(t, append([]string{"config", "db_import", src}, flags...)...)
	if code != 0 || !strings.Contains(out, "imported 3 entities") {
		t.Fatalf("db_import = %d %s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, append([]string{"config", "db_import", src}, flags...)...); code == 0 || !strings.Contains(errOut, "nothing was imported") {
		t.Fatalf("second db_import of the same names = %d %q, want a refusal", code, errOut)
	}
	for _, name := range []string{"out.yaml", "out.json"} {
		dst := filepath.Join(dir, name)
		if code, out, errOut := run(t, append([]string{"config", "db_export", dst}, flags...)...); code != 0 || !strings.Contains(out, "exported 3 entities") {
			t.Fatalf("db_export %s = %d %s%s", name, code, out, errOut)
		}
		if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v (%v), want 0600: it holds private keys and credentials", name, fi.Mode().Perm(), err)
		}
		orig, err := declarative.LoadFile(src, declarative.Options{})
		if err != nil {
			t.Fatal(err)
		}
		back, err := declarative.LoadFile(dst, declarative.Options{})
		if err != nil {
			t.Fatalf("the exported %s does not load: %v", name, err)
		}
		if orig.Hash() != back.Hash() {
			t.Errorf("%s: exported config hash %s differs from the imported file's %s", name, back.Hash(), orig.Hash())
		}
		if code, _, errOut := run(t, append([]string{"config", "db_export", dst}, flags...)...); code == 0 || !strings.Contains(errOut, "already exists") {
			t.Errorf("db_export over %s = %d %q, want a refusal", name, code, errOut)
		}
	}
}

// TestDBExportImportExportIsExact checks the round trip users rely on for
// backups: db_export, db_import of that file into an empty database, and
// db_export again give byte-identical files, in YAML and in JSON.
func TestDBExportImportExportIsExact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "in.yaml")
	doc := `_format_version: "3.0"
services:
- name: svc
  url: https://127.0.0.1:9/base
  tags: [ a, b ]
  routes:
  - name: r
    paths: [ "/r", "~/v[0-9]+" ]
    methods: [ GET ]
    plugins:
    - name: cors
upstreams:
- name: pool
  targets:
  - target: 127.0.0.1:9
    weight: 7
consumers:
- username: alice
  keyauth_credentials:
  - key: secret-key
plugins:
- name: correlation-id
`
	os.WriteFile(src, []byte(doc), 0o644)
	first := sqliteArgs(t)
	if code, out, errOut := run(t, append([]string{"config", "db_import", src}, first...)...); code != 0 {
		t.Fatalf("db_import = %d %s%s", code, out, errOut)
	}
	for _, name := range []string{"backup.yaml", "backup.json"} {
		t.Run(name, func(t *testing.T) {
			a, b := filepath.Join(dir, "a-"+name), filepath.Join(dir, "b-"+name)
			if code, out, errOut := run(t, append([]string{"config", "db_export", a}, first...)...); code != 0 {
				t.Fatalf("db_export = %d %s%s", code, out, errOut)
			}
			empty := sqliteArgs(t)
			if code, out, errOut := run(t, append([]string{"config", "db_import", a}, empty...)...); code != 0 {
				t.Fatalf("db_import of the export = %d %s%s", code, out, errOut)
			}
			if code, out, errOut := run(t, append([]string{"config", "db_export", b}, empty...)...); code != 0 {
				t.Fatalf("second db_export = %d %s%s", code, out, errOut)
			}
			da, _ := os.ReadFile(a)
			db, _ := os.ReadFile(b)
			if string(da) != string(db) || !strings.Contains(string(da), "secret-key") || !strings.Contains(string(da), "pool") {
				t.Fatalf("round trip differs or lost entities:\n--- first\n%s\n--- second\n%s", da, db)
			}
		})
	}
}

// TestImportProgressLine imports more rows than one batch into a real
// SQLite store through the terminal progress callback and reads the line a
// user would watch.
func TestImportProgressLine(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gantry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &entity.Config{}
	for i := range 2500 {
		cfg.Services = append(cfg.Services, &entity.Service{Name: fmt.Sprintf("svc-%d", i), Host: "h.internal", Port: 80, Protocol: "http"})
	}
	var out strings.Builder
	if err := st.(store.ProgressImporter).ImportProgress(context.Background(), cfg, progressLine(&out, "importing")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\rimporting: 1000/2500 rows (40%)", "\rimporting: 2500/2500 rows (100%)"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("progress %q lacks %q", out.String(), want)
		}
	}
	if isTerminal(&out) {
		t.Fatal("a buffer taken for a terminal: progress would pollute logs")
	}
}

func TestHybridGenCert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if code, out, errOut := run(t, "hybrid", "gen_cert", "--days", "30", cert, key); code != 0 || !strings.Contains(out, "valid 30 days") {
		t.Fatalf("gen_cert = %d %s%s", code, out, errOut)
	}
	for path, mode := range map[string]os.FileMode{cert: 0o644, key: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
	if code, _, errOut := run(t, "hybrid", "gen_cert", cert, key); code == 0 || !strings.Contains(errOut, "refusing to overwrite") {
		t.Fatalf("second gen_cert = %d %q, want a refusal", code, errOut)
	}
}
