package all_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
	_ "github.com/gantryhq/gantry/plugins/all"
)

// TestEveryPluginDirectoryIsImported fails when a plugin package exists
// under plugins/ but all.go forgets it, and checks the bundled set's
// priorities against Kong's.
func TestEveryPluginDirectoryIsImported(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "all" {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", e.Name(), "plugin.go")); err != nil {
			continue
		}
		if _, ok := reg.Get(e.Name()); !ok {
			t.Errorf("plugins/%s is not registered: import it in plugins/all", e.Name())
		}
	}
	kong := map[string]int{
		"correlation-id": 100001, "cors": 2000, "jwt": 1450, "key-auth": 1250, "basic-auth": 1100,
		"ip-restriction": 990, "request-size-limiting": 951, "acl": 950, "rate-limiting": 910,
		"request-transformer": 801, "response-transformer": 800, "proxy-cache": 100, "prometheus": 13,
		"http-log": 12, "file-log": 9, "request-termination": 2,
	}
	for name, prio := range kong {
		if p, ok := reg.Get(name); ok && p.Priority() != prio {
			t.Errorf("%s priority = %d, want Kong's %d", name, p.Priority(), prio)
		}
	}
	for name, v := range reg.Versions() {
		if v != plugin.BundledVersion {
			t.Errorf("%s version = %s, want %s", name, v, plugin.BundledVersion)
		}
	}
}
