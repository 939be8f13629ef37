package dp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/cluster/wire"
)

// TestStartSequence: a data plane starts from a valid cache, else from
// declarative_config, else empty; a damaged cache or a broken file is
// skipped, never fatal.
func TestStartSequence(t *testing.T) {
	t.Parallel()
	const decl = "_format_version: \"3.0\"\nservices:\n- name: s\n  url: http://example.com\n  routes:\n  - name: r\n    paths: [/from-file]\n"
	tests := []struct {
		name       string
		cache      []byte // nil: no cache file
		file       string // "": no declarative_config
		wantSource string
	}{
		{"nothing", nil, "", "empty"},
		{"declarative file", nil, decl, "declarative_config"},
		{"damaged cache, declarative file", []byte("GNTRYCC2 torn"), decl, "declarative_config"},
		{"broken declarative file", nil, "services: [", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.cache != nil {
				if err := os.WriteFile(filepath.Join(dir, wire.CacheFile), tt.cache, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "kong.yml"), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			a := testAgentWith(t, dir, func(o *Options) {
				if tt.file != "" {
					o.DeclarativeConfig = filepath.Join(dir, "kong.yml")
				}
			})
			if got := a.Status().Source; got != tt.wantSource {
				t.Fatalf("started from %q, want %q", got, tt.wantSource)
			}
			if routes := len(a.current().cfg.Config().Routes); (tt.wantSource == "declarative_config") != (routes == 1) {
				t.Fatalf("running config has %d routes", routes)
			}
		})
	}
}
