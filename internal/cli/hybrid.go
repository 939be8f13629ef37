package cli

import (
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/spf13/cobra"
)

func newHybrid(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hybrid",
		Short: "Hybrid mode (control plane / data plane) tools",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var days int
	gen := &cobra.Command{
		Use:   "gen_cert [CERT] [KEY]",
		Short: "Make the shared cluster certificate and key (default cluster.crt, cluster.key)",
		Long: `Write a self-signed ECDSA P-384 certificate (CN gantry_clustering) and its key
for hybrid mode's shared mTLS: the certificate with mode 0644, the key with
mode 0600. Install both on the control plane and every data plane
(cluster_cert, cluster_cert_key). Existing files are never overwritten.`,
		Example: "  gantry hybrid gen_cert\n  gantry hybrid gen_cert --days 365 /etc/gantry/cluster.crt /etc/gantry/cluster.key",
		Args:    cobra.MaximumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			cert, key := "cluster.crt", "cluster.key"
			if len(args) > 0 {
				cert = args[0]
			}
			if len(args) > 1 {
				key = args[1]
			}
			if err := clustertls.GenCert(cert, key, days, time.Now()); err != nil {
				return err
			}
			_, err := fmt.Fprintf(stdio.Stdout, "wrote %s and %s (valid %d days)\n", cert, key, days)
			return err
		},
	}
	gen.Flags().IntVar(&days, "days", clustertls.DefaultDays, "days the certificate stays valid")
	cmd.AddCommand(gen)
	return cmd
}
