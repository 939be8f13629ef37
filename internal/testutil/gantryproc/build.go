// Package gantryproc runs the built gantry binary as real processes for
// the end-to-end suites (test/e2e, test/hybrid): it builds the binary once
// per test package, starts nodes in their own prefix with a clean
// environment, finds their port-0 listeners through listeners.json,
// captures their output, and kills them when the test ends.
package gantryproc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main builds cmd/gantry into a temporary directory, stores its path in
// *binary, runs the tests and removes the build. When the tests run with
// -race, so is the binary, and Proc fails a test whose node reported a
// data race. Use it as TestMain's body:
//
//	func TestMain(m *testing.M) { os.Exit(gantryproc.Main(m, &binary)) }
func Main(m *testing.M, binary *string) int {
	dir, err := os.MkdirTemp("", "gantry-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*binary = filepath.Join(dir, "gantry")
	args := []string{"build", "-o", *binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/gantryhq/gantry/cmd/gantry")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gantry:", err)
		return 1
	}
	return m.Run()
}

// RaceBuild reports whether Main builds gantry with the race detector,
// whose shadow memory makes the process's memory use no measure of
// Gantry's own.
func RaceBuild() bool { return raceEnabled }
