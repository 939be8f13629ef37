package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/spf13/cobra"
)

func newStart(stdio IO) *cobra.Command {
	var f settingsFlags
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run a Gantry node in the foreground",
		Long: `Run a Gantry node in the foreground until SIGTERM or SIGINT.

On SIGTERM/SIGINT the node stops accepting connections, lets in-flight
requests finish (at most drain_timeout seconds) and exits 0.
On SIGHUP a DB-less node (database = off) reloads declarative_config; a file
with errors is logged and the running configuration keeps serving. Control
and data planes also reload their cluster certificates on SIGHUP (and when
the files change); a set that fails the start-up checks is logged and the
current one stays in use.

The addresses actually bound are logged and written to <prefix>/listeners.json.`,
		Example: `  gantry start
  gantry start -p /tmp/gantry --set database=off --set declarative_config=gantry.yaml
  GANTRY_PROXY_LISTEN=127.0.0.1:0 gantry start`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.load(stdio)
			if err != nil {
				return err
			}
			log := newLogger(stdio.Stderr, s)
			for _, w := range s.Warnings {
				log.Warn(w)
			}
			return start(cmd.Context(), s, log)
		},
	}
	f.register(cmd)
	return cmd
}

// start runs a node with process signals wired: SIGTERM/SIGINT stop it,
// SIGHUP reloads its configuration sources.
func start(ctx context.Context, s *settings.Settings, log *slog.Logger) error {
	a, err := app.New(ctx, s, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Log(ctx, settings.LevelNotice, "SIGHUP received: reloading configuration", "component", "cli")
				a.Reload()
			}
		}
	})
	defer stop() // ends the SIGHUP loop before wg.Wait
	return a.Run(ctx)
}
