package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/gantryhq/gantry/internal/admin"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/server"
	"github.com/gantryhq/gantry/internal/version"
)

// wire chooses the node's configuration source and Admin API from the
// settings. A DB-less node (database = off) reads declarative_config and
// serves the DB-less Admin API (reads, POST /config) on admin_listen.
//
// Store-backed modes plug in here: open the store, pass a store source
// (Load = Export, Watch = Changes) as Source and admin.New with the Store
// as Admin, and close the store in the returned func.
func wire(ctx context.Context, s *config.Config, log *slog.Logger) (server.Options, func(), error) {
	reg, err := plugins(s, log)
	if err != nil {
		return server.Options{}, nil, err
	}
	opts := server.Options{Settings: s, Logger: log}
	if s.Database != config.DatabaseOff {
		log.Warn("database = "+s.Database+" is not wired into this build yet: serving an empty configuration without the Admin API; use database = off with declarative_config for a DB-less node",
			"component", "cli")
		return opts, func() {}, nil
	}
	if s.DeclarativeConfig != "" {
		opts.Source = &server.FileSource{Path: s.DeclarativeConfig, Options: declarativeOptions(reg)}
	}
	if s.Role == config.RoleTraditional {
		opts.Admin = func(n *server.Node) http.Handler {
			return admin.New(admin.Options{
				Logger:         log,
				Node:           nodeInfo(s, n, reg),
				Role:           string(s.Role),
				ApplyConfig:    n.Apply,
				CurrentConfig:  n.Current,
				ValidatePlugin: reg.Normalize,
			})
		}
	}
	return opts, func() {}, nil
}

// plugins is the registry of the `plugins` setting.
func plugins(s *config.Config, log *slog.Logger) (*plugin.Registry, error) {
	reg, err := plugin.Bundled(log).Subset(s.Plugins)
	if err != nil {
		return nil, fmt.Errorf("invalid setting plugins (from %s): %w", s.SourceOf("plugins"), err)
	}
	return reg, nil
}

// declarativeOptions validates plugin configs against reg and fills their
// defaults, as the Admin API does.
func declarativeOptions(reg *plugin.Registry) declarative.Options {
	return declarative.Options{ValidatePlugin: reg.Normalize}
}

func nodeInfo(s *config.Config, n *server.Node, reg *plugin.Registry) admin.NodeInfo {
	host, _ := os.Hostname()
	info := admin.NodeInfo{
		Version:       version.KongAPI,
		GantryVersion: version.Version,
		Hostname:      host,
		NodeID:        n.ID(),
		Configuration: s.Redacted(),
		Plugins:       map[string]admin.PluginInfo{},
	}
	for _, name := range reg.Names() {
		p, _ := reg.Get(name)
		info.Plugins[name] = admin.PluginInfo{Version: p.Version(), Priority: p.Priority()}
	}
	return info
}
