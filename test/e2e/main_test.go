// Package e2e runs the built gantry binary as a real process: settings from
// files and environment, listeners on port 0 found through listeners.json,
// signals, exit codes and log lines, the way a user or a script sees them.
package e2e

import (
	"os"
	"testing"

	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// binary is the gantry binary built once for the whole package by TestMain
// (with -race when the tests run with it).
var binary string

func TestMain(m *testing.M) { os.Exit(gantryproc.Main(m, &binary)) }
