package cli

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store/backend"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
	"github.com/spf13/cobra"
)

func newMigrations(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "migrations",
		Short: "Create, upgrade, list or reset the database schema",
		Long: `Manage the schema of the database the settings name (database = sqlite or
postgres). A new SQLite file is bootstrapped by gantry start on its own;
PostgreSQL needs "gantry migrations bootstrap" once, and "gantry migrations up"
after an upgrade of Gantry.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	f.registerPersistent(cmd)
	var yes bool
	reset := migrationCommand(stdio, &f, "reset", "Delete every entity and the schema (asks for --yes)", func(c *cobra.Command, m *sqlstore.Migrator) error {
		if !yes {
			return fmt.Errorf("reset deletes every entity in the database: run again with --yes to confirm")
		}
		if err := m.Reset(c.Context()); err != nil {
			return err
		}
		_, err := fmt.Fprintln(stdio.Stdout, "database reset: run `gantry migrations bootstrap` to create the schema again")
		return err
	})
	reset.Flags().BoolVarP(&yes, "yes", "y", false, "confirm the reset")
	cmd.AddCommand(
		migrationCommand(stdio, &f, "bootstrap", "Create the schema of a new database", func(c *cobra.Command, m *sqlstore.Migrator) error {
			ran, err := m.Bootstrap(c.Context())
			if err != nil {
				return err
			}
			return printMigrations(stdio, "bootstrapped, ran", ran)
		}),
		migrationCommand(stdio, &f, "up", "Run the pending migrations", func(c *cobra.Command, m *sqlstore.Migrator) error {
			ran, err := m.Up(c.Context())
			if err != nil {
				return err
			}
			return printMigrations(stdio, "ran", ran)
		}),
		migrationCommand(stdio, &f, "list", "List executed and pending migrations", func(c *cobra.Command, m *sqlstore.Migrator) error {
			st, err := m.List(c.Context())
			if err != nil {
				return err
			}
			if err := printMigrations(stdio, "executed", st.Executed); err != nil {
				return err
			}
			if err := printMigrations(stdio, "pending", st.Pending); err != nil {
				return err
			}
			if len(st.Executed) == 0 {
				return &exitError{code: 3, err: fmt.Errorf("the database has no schema: run `gantry migrations bootstrap`")}
			}
			if len(st.Pending) > 0 {
				return &exitError{code: 5, err: fmt.Errorf("%d migrations are pending: run `gantry migrations up`", len(st.Pending))}
			}
			return nil
		}),
		reset,
	)
	return cmd
}

// migrationCommand opens the migration runner of the settings' database and
// runs fn with it.
func migrationCommand(stdio IO, f *settingsFlags, use, short string, fn func(*cobra.Command, *sqlstore.Migrator) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := f.load(stdio)
			if err != nil {
				return err
			}
			if s.Database == settings.DatabaseOff {
				return fmt.Errorf("database = off (from %s): this node keeps no database; set database = sqlite or postgres", s.SourceOf("database"))
			}
			if err := app.EnsureSQLiteDir(s); err != nil {
				return err
			}
			m, err := backend.Migrations(c.Context(), app.StoreConfig(s))
			if err != nil {
				return err
			}
			defer m.Close()
			return fn(c, m)
		},
	}
}

func printMigrations(stdio IO, what string, ms []sqlstore.Migration) error {
	if len(ms) == 0 {
		_, err := fmt.Fprintf(stdio.Stdout, "%s: none\n", what)
		return err
	}
	fmt.Fprintf(stdio.Stdout, "%s:\n", what)
	for _, m := range ms {
		if _, err := fmt.Fprintf(stdio.Stdout, "  %04d_%s\n", m.Version, m.Name); err != nil {
			return err
		}
	}
	return nil
}
