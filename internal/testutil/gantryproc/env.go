package gantryproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Env returns the test process's environment without GANTRY_* settings,
// plus extra, so a developer's settings never leak into a test.
func Env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GANTRY_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// Hermetic returns -c with an empty conf file, so a gantry.conf in /etc
// never leaks into a test.
func Hermetic(t testing.TB) []string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "gantry.conf")
	if err := os.WriteFile(conf, []byte("# empty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"-c", conf}
}
