package all_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
)

// TestReadmeConfigTables checks each plugin's README.md against its schema:
// every top-level config field is named in the first cell of a config
// table row, and the table names no field the plugin does not have. A row
// may name several fields; nested records (redis, queue...) may be
// documented with dotted names (`redis.host`).
func TestReadmeConfigTables(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	for _, name := range reg.Names() {
		if strings.HasPrefix(name, "test-") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("..", name, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			documented := map[string]bool{}
			for _, line := range strings.Split(string(b), "\n") {
				if !strings.HasPrefix(line, "| `") {
					continue
				}
				cell, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
				for _, f := range strings.Split(cell, ",") {
					f = strings.Trim(strings.TrimSpace(f), "`")
					top, _, _ := strings.Cut(f, ".")
					documented[top] = true
				}
			}
			fields := configFields(t, reg, name)
			for _, f := range fields {
				if !documented[f] {
					t.Errorf("README.md has no config table row for %q", f)
				}
			}
			for f := range documented {
				if !contains(fields, f) {
					t.Errorf("README.md documents %q, which is not a config field", f)
				}
			}
		})
	}
}

// configFields lists the top-level config fields of the plugin's schema.
func configFields(t *testing.T, reg *plugin.Registry, name string) []string {
	t.Helper()
	schema, ok := reg.Schema(name)
	if !ok {
		t.Fatalf("no schema for %s", name)
	}
	var out []string
	for _, f := range schema["fields"].([]any) {
		cfg, ok := f.(map[string]any)["config"].(map[string]any)
		if !ok {
			continue
		}
		for _, cf := range cfg["fields"].([]any) {
			for k := range cf.(map[string]any) {
				out = append(out, k)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
