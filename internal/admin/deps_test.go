package admin

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the Admin API on the control side of the data flow:
// it talks to the store, the model and the declarative loader, never to
// the proxy, the router or the cluster machinery (those plug in through
// Options functions).
func TestImports(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"/internal/proxy", "/internal/router", "/internal/snapshot", "/internal/cluster", "/internal/balancer", "/internal/server", "/internal/cli", "/plugins/"}
	for _, imp := range pkg.Imports {
		for _, f := range forbidden {
			if strings.Contains(imp, "gantryhq/gantry"+f) {
				t.Errorf("internal/admin imports %s; pass what it needs through admin.Options instead", imp)
			}
		}
	}
}
