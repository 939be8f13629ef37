package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// newCheck is `gantry check`, like `kong check`: the settings are read and
// validated as `start` reads them, and nothing is started.
func newCheck(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the settings (conf file, environment, flags) without starting a node",
		Long: `Read and validate the settings exactly as ` + "`gantry start`" + ` would, then exit:
0 when they are valid, 1 with every problem listed (each naming the setting
and where its value came from) when not. Nothing is bound or started.`,
		Example: `  gantry check -c /etc/gantry/gantry.conf
  GANTRY_ROLE=data_plane gantry check`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := f.load(stdio)
			if err != nil {
				return err
			}
			for _, w := range s.Warnings {
				fmt.Fprintln(stdio.Stderr, "warning:", w)
			}
			_, err = fmt.Fprintf(stdio.Stdout, "settings are valid: role %s, database %s, prefix %s\n", s.Role, s.Database, s.Prefix)
			return err
		},
	}
	f.register(cmd)
	return cmd
}

// newSettings is `gantry settings`: the effective settings, each with
// where its value came from, secrets redacted.
func newSettings(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Print the effective settings and where each value came from (secrets redacted)",
		Long: `Print every setting as ` + "`gantry start`" + ` would use it, one per line in the
conf file's syntax, followed by where the value came from: default, the conf
file and line, an environment variable or a flag. Secrets (keys, passwords)
are printed as ******.`,
		Example: `  gantry settings -c /etc/gantry/gantry.conf
  gantry settings | grep -v '# default'`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := f.load(stdio)
			if err != nil {
				return err
			}
			values := s.Redacted()
			keys := make([]string, 0, len(values))
			for k := range values {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var b strings.Builder
			for _, k := range keys {
				fmt.Fprintf(&b, "%s = %s  # %s\n", k, render(values[k]), s.SourceOf(k))
			}
			_, err = fmt.Fprint(stdio.Stdout, b.String())
			return err
		},
	}
	f.register(cmd)
	return cmd
}

// render writes a setting's value as gantry.conf takes it.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		if v {
			return "on"
		}
		return "off"
	case []string:
		return strings.Join(v, ", ")
	}
	return fmt.Sprint(v)
}
