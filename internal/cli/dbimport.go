package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/spf13/cobra"
)

func newDBImport(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "db_import FILE",
		Short: "Load a declarative file into the database, in one transaction",
		Long: `Parse and validate a declarative file (YAML or JSON) like "gantry config parse",
then insert every entity into the database the settings name, in one
transaction: either everything is imported or nothing is.`,
		Example: "  gantry config db_import kong.yaml -c /etc/gantry/gantry.conf",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return withStore(c.Context(), stdio, &f, func(s *settings.Settings, st store.Store, reg *plugin.Registry) error {
				cfg, err := declarative.LoadFile(args[0], app.DeclarativeOptions(reg))
				if err != nil {
					return err
				}
				n := count(cfg)
				fmt.Fprintf(stdio.Stderr, "importing %d entities from %s…\n", n, args[0])
				if err := importWithProgress(c.Context(), st, cfg, stdio.Stderr); err != nil {
					return fmt.Errorf("import of %s failed, nothing was imported: %w", args[0], err)
				}
				_, err = fmt.Fprintf(stdio.Stdout, "imported %d entities from %s\n", n, args[0])
				return err
			})
		},
	}
	f.register(cmd)
	return cmd
}

func newDBExport(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "db_export FILE",
		Short: "Write the database's entities to a declarative file (YAML, or JSON for *.json)",
		Long: `Write every entity of the database the settings name to FILE as a declarative
document (flat form, every id kept), which "gantry config db_import" and a
DB-less node load back. An existing file is never overwritten.`,
		Example: "  gantry config db_export backup.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return withStore(c.Context(), stdio, &f, func(_ *settings.Settings, st store.Store, _ *plugin.Registry) error {
				tty := isTerminal(stdio.Stderr)
				if tty {
					fmt.Fprint(stdio.Stderr, "exporting: reading the database…")
				}
				cfg, err := st.Export(c.Context())
				if tty {
					fmt.Fprintln(stdio.Stderr)
				}
				if err != nil {
					return err
				}
				format := "yaml"
				if strings.EqualFold(filepath.Ext(args[0]), ".json") {
					format = "json"
				}
				data, err := declarative.Marshal(cfg, format)
				if err != nil {
					return err
				}
				// Private keys and credentials: readable by the owner only.
				if err := writeNew(args[0], data, 0o600); err != nil {
					return err
				}
				_, err = fmt.Fprintf(stdio.Stdout, "exported %d entities to %s\n", count(cfg), args[0])
				return err
			})
		},
	}
	f.register(cmd)
	return cmd
}

// withStore loads the settings, refuses DB-less ones, opens the store and
// the plugin registry, and runs fn.
func withStore(ctx context.Context, stdio IO, f *settingsFlags, fn func(*settings.Settings, store.Store, *plugin.Registry) error) error {
	s, err := f.load(stdio)
	if err != nil {
		return err
	}
	if s.Database == settings.DatabaseOff {
		return fmt.Errorf("database = off (from %s): this node keeps no database; set database = sqlite or postgres", s.SourceOf("database"))
	}
	log := slog.New(slog.DiscardHandler)
	reg, err := app.Plugins(s, log)
	if err != nil {
		return err
	}
	st, _, err := app.OpenStore(ctx, s, log)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(s, st, reg)
}

func count(cfg *entity.Config) int {
	n := 0
	cfg.Each(func(entity.Entity) { n++ })
	return n
}

// writeNew creates path with data and mode perm, refusing to overwrite an
// existing file.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; remove it or name another file", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// importWithProgress imports cfg, showing rows written so far on a
// terminal (docs/design.md, "Long work shows progress"), one line rewritten in place.
// Output that is not a terminal (a log file, a pipe) gets no progress line.
func importWithProgress(ctx context.Context, st store.Store, cfg *entity.Config, stderr io.Writer) error {
	pi, ok := st.(store.ProgressImporter)
	if !ok || !isTerminal(stderr) {
		return st.Import(ctx, cfg)
	}
	err := pi.ImportProgress(ctx, cfg, progressLine(stderr, "importing"))
	fmt.Fprintln(stderr)
	return err
}

// progressLine returns a progress callback that rewrites one line of w.
func progressLine(w io.Writer, what string) func(done, total int) {
	return func(done, total int) {
		fmt.Fprintf(w, "\r%s: %d/%d rows (%d%%)", what, done, total, done*100/max(total, 1))
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
