package all_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPluginDependencies keeps plugins on the data plane's side: they may
// use the model and the plugin framework, never the Admin API, stores,
// cluster, proxy or server (Tailscale's deptest idea, on source files).
// The test harness internal/plugin/plugintest is the exception: it runs
// plugin tests through the real proxy, so it must import it, and only
// test files may import the harness.
func TestPluginDependencies(t *testing.T) {
	t.Parallel()
	forbidden := []string{"internal/admin", "internal/store", "internal/cluster", "internal/proxy",
		"internal/server", "internal/snapshot", "internal/declarative", "internal/cli", "internal/config"}
	for _, root := range []string{"..", "../../internal/plugin"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "plugintest" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasSuffix(p, "/plugintest") && !strings.HasSuffix(path, "_test.go") {
					t.Errorf("%s imports the test harness %s outside a test", path, p)
				}
				for _, bad := range forbidden {
					if strings.HasPrefix(p, "github.com/gantryhq/gantry/"+bad) {
						t.Errorf("%s imports %s", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
