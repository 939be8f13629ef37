package cli

import (
	_ "embed"
	"fmt"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/spf13/cobra"
)

// exampleConfig is what `gantry config init` writes; a test parses it.
//
//go:embed example.yaml
var exampleConfig []byte

func newConfig(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check and create declarative configuration files",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newConfigParse(stdio), newConfigInit(stdio), newDBImport(stdio), newDBExport(stdio))
	return cmd
}

func newConfigParse(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "parse FILE",
		Short: "Check a declarative configuration file and list every error",
		Long: `Parse and validate a declarative configuration file (YAML or JSON) exactly as
a DB-less node would load it. Exits 0 when the file is valid; otherwise lists
every error with its place in the document and exits 1.`,
		Example: "  gantry config parse gantry.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if _, err := declarative.LoadFile(args[0], app.DeclarativeOptions(plugin.Bundled(nil))); err != nil {
				fmt.Fprintln(stdio.Stderr, err) // names the file and every problem
				return &exitError{code: 1}
			}
			_, err := fmt.Fprintf(stdio.Stdout, "parse successful: %s\n", args[0])
			return err
		},
	}
}

func newConfigInit(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented example declarative configuration (default gantry.yaml)",
		Long: `Write a commented example declarative configuration to FILE (default
gantry.yaml in the current directory). An existing file is never overwritten.`,
		Example: "  gantry config init\n  gantry config init /tmp/gantry.yaml",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := "gantry.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			if err := writeNew(path, exampleConfig, 0o644); err != nil {
				return err
			}
			_, err := fmt.Fprintf(stdio.Stdout, "wrote %s; check it with: gantry config parse %s\n", path, path)
			return err
		},
	}
}
