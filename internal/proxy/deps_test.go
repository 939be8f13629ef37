package proxy_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDataPathImports keeps the data path free of the control plane: the
// proxy and the snapshot build on the model, router, balancer and plugin
// framework only, never on the Admin API, stores, cluster code, the
// declarative loader or node wiring.
func TestDataPathImports(t *testing.T) {
	t.Parallel()
	const mod = "github.com/gantryhq/gantry/internal/"
	forbidden := []string{"admin", "store", "cluster", "declarative", "server", "cli", "config"}
	for _, pkg := range []string{"proxy", "snapshot"} {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if dep == mod+f || strings.HasPrefix(dep, mod+f+"/") {
						t.Errorf("%s imports %s", pkg, dep)
					}
				}
			}
		})
	}
}
