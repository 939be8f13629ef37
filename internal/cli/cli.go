// Package cli is Gantry's command line: `gantry start`, `version`, `health`,
// `config parse|init|db_import|db_export`, `migrations` and `hybrid gen_cert`,
// and the wiring that turns settings into a running node.
//
// Every command writes to the IO it is given and returns an exit code, so
// tests run the real command tree in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/gantryhq/gantry/internal/version"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// IO is what a command may touch of its process.
type IO struct {
	Stdout, Stderr io.Writer
	// Environ is the environment in os.Environ form (GANTRY_* settings).
	Environ []string
}

// Main runs the command line of the gantry binary and exits.
func Main() {
	os.Exit(Run(context.Background(), os.Args[1:], IO{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}))
}

// exitError carries an exit code other than 1 (or a failure already reported).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// Run executes one command line and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error.
func Run(ctx context.Context, args []string, stdio IO) int {
	root := newRoot(stdio)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stdio.Stderr, "Error:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stdio.Stderr, "Error:", err)
	return 1
}

func newRoot(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "gantry",
		Short: "Gantry is an API gateway that speaks Kong Gateway's configuration",
		Long: `Gantry is an API gateway. Its entity model, Admin API, declarative files and
hybrid mode follow Kong Gateway 3.x, so Kong users and tools feel at home.

Settings come from built-in defaults, then gantry.conf (-c FILE, else
/etc/gantry/gantry.conf when present), then GANTRY_<KEY> environment
variables, then flags. See docs/configuration.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdio.Stdout)
	root.SetErr(stdio.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: 2, err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newStart(stdio), newVersion(stdio), newHealth(stdio), newConfig(stdio), newHybrid(stdio), newMigrations(stdio),
		newCheck(stdio), newSettings(stdio))
	root.Version = version.String() // gantry --version prints what gantry version does
	root.SetVersionTemplate("{{.Version}}\n")
	return root
}
