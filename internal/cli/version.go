package cli

import (
	"encoding/json"
	"fmt"

	"github.com/gantryhq/gantry/internal/version"
	"github.com/spf13/cobra"
)

func newVersion(stdio IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print Gantry's version and the Kong Admin API level it implements",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if asJSON {
				return json.NewEncoder(stdio.Stdout).Encode(map[string]string{"version": version.Version, "kong_api": version.KongAPI})
			}
			_, err := fmt.Fprintln(stdio.Stdout, version.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"version": …, "kong_api": …}`)
	return cmd
}
