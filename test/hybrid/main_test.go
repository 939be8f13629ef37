// Package hybrid runs hybrid mode end to end: the built gantry binary as
// separate processes, one control plane on SQLite and several data planes,
// killed and restarted for real. Everything listens on 127.0.0.1.
package hybrid

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the gantry binary built once by TestMain.
var binary string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gantry-hybrid-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "gantry")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/gantryhq/gantry/cmd/gantry")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "hybrid: building gantry:", err)
		return 1
	}
	return m.Run()
}
