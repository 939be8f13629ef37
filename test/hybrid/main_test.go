// Package hybrid runs hybrid mode end to end: the built gantry binary as
// separate processes, one control plane on SQLite and several data planes,
// killed and restarted for real. Everything listens on 127.0.0.1.
package hybrid

import (
	"os"
	"testing"

	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// binary is the gantry binary built once by TestMain (with -race when the
// tests run with it).
var binary string

func TestMain(m *testing.M) { os.Exit(gantryproc.Main(m, &binary)) }
