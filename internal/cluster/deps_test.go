package cluster_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDataPlaneDoesNotImportTheControlPlane keeps the dependency direction:
// a data plane binary's cluster agent must not pull in the control plane
// (or the store), and the shared packages import neither side.
func TestDataPlaneDoesNotImportTheControlPlane(t *testing.T) {
	t.Parallel()
	const mod = "github.com/gantryhq/gantry/internal/"
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"cluster/dp", []string{"cluster/cp", "store"}},
		{"cluster/wire", []string{"cluster/cp", "cluster/dp", "store"}},
		{"cluster/clustertls", []string{"cluster/cp", "cluster/dp", "store"}},
		{"cluster/cp", []string{"cluster/dp", "proxy"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+tt.pkg).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range tt.forbidden {
					if dep == mod+f || strings.HasPrefix(dep, mod+f+"/") {
						t.Errorf("%s imports %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}
