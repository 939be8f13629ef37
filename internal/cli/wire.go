package cli

import (
	"context"
	"log/slog"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/server"
)

// wire chooses the node's configuration source and Admin API from the
// settings. DB-less (database = off) nodes read declarative_config.
//
// Store-backed modes plug in here: open the store, pass
// server.Options{Source: a store source (Load = Export, Watch = Changes),
// Admin: the Admin API handler} and close the store in the returned func.
func wire(ctx context.Context, s *config.Config, log *slog.Logger) (server.Options, func(), error) {
	opts := server.Options{Settings: s, Logger: log}
	if s.Database != config.DatabaseOff {
		log.Warn("database = "+s.Database+" is not wired into this build yet: serving an empty configuration without the Admin API; use database = off with declarative_config for a DB-less node",
			"component", "cli")
	}
	return opts, func() {}, nil
}
