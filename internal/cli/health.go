package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gantryhq/gantry/internal/node"
	"github.com/spf13/cobra"
)

func newHealth(stdio IO) *cobra.Command {
	var f settingsFlags
	var ready bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check that the node of this prefix is running (exit 0) or not (exit 1)",
		Long: `Ask the running node's status listener, found through <prefix>/listeners.json,
whether it is alive. With --ready the node must also be ready to serve, as
/status/ready reports it and a load balancer would require: a DB-less node or a
data plane has a non-empty configuration, a database-backed node reaches its
database.`,
		Example: `  gantry health
  gantry health -p /tmp/gantry --ready`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.load(stdio)
			if err != nil {
				return err
			}
			ls, err := node.ReadListeners(s.Prefix)
			if err != nil {
				return err
			}
			if len(ls.Status) == 0 {
				return fmt.Errorf("the node of prefix %s has status_listen = off: nothing to ask", s.Prefix)
			}
			base := ls.Status[0].URL()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var st struct {
				ConfigurationHash string `json:"configuration_hash"`
				NodeID            string `json:"node_id"`
			}
			if _, err := getJSON(ctx, base+"/status", &st); err != nil {
				return fmt.Errorf("Gantry is not healthy at %s: %w", base, err)
			}
			fmt.Fprintf(stdio.Stdout, "Gantry is running at %s (node %s, configuration hash %s)\n", base, st.NodeID, st.ConfigurationHash)
			var msg struct {
				Message string `json:"message"`
			}
			code, err := getJSON(ctx, base+"/status/ready", &msg)
			if err != nil {
				return err
			}
			if code == http.StatusOK {
				fmt.Fprintln(stdio.Stdout, "ready: yes")
				return nil
			}
			fmt.Fprintf(stdio.Stdout, "ready: no (%s)\n", msg.Message)
			if ready {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&ready, "ready", false, "also require the node to be ready, as /status/ready says (exit 1 otherwise)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the node's answer")
	return cmd
}

// getJSON GETs url and decodes the body; any status is returned, only a
// transport failure or a non-JSON body is an error. TLS is not verified:
// the status listener of a local node usually has a self-signed certificate.
func getJSON(ctx context.Context, url string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
		return resp.StatusCode, errors.New(resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return resp.StatusCode, fmt.Errorf("%s answered %s with a body that is not JSON: %w", url, resp.Status, err)
	}
	return resp.StatusCode, nil
}
