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
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/server"
	"github.com/gantryhq/gantry/internal/version"
	promplugin "github.com/gantryhq/gantry/plugins/prometheus"
	prom "github.com/prometheus/client_golang/prometheus"
)

// wiring is what start needs to run a node: its options, work to do once
// the node exists (a data plane's agent needs the node id and its apply
// function), and what to release at the end.
type wiring struct {
	opts     server.Options
	afterNew func(ctx context.Context, n *server.Node) error
	close    func()
}

// wire chooses the node's configuration source and Admin API from the
// settings:
//   - database = sqlite or postgres: entities come from the store (reloaded
//     on every committed write) and admin_listen serves the full Admin API;
//   - database = off: entities come from declarative_config (reloaded on
//     SIGHUP) and admin_listen serves the DB-less Admin API (reads, POST /config);
//   - role = control_plane or data_plane: see wireCluster.
//
// A data plane has no Admin API.
func wire(ctx context.Context, s *config.Config, log *slog.Logger) (*wiring, error) {
	reg, err := plugins(s, log)
	if err != nil {
		return nil, err
	}
	w := &wiring{
		opts:     server.Options{Settings: s, Logger: log, Plugins: reg, Collectors: pluginCollectors(reg)},
		afterNew: func(context.Context, *server.Node) error { return nil },
		close:    func() {},
	}
	adminOpts := admin.Options{Logger: log, Role: string(s.Role), ValidatePlugin: reg.Normalize, PluginSchema: reg.Schema}
	if s.Database == config.DatabaseOff {
		if s.DeclarativeConfig != "" {
			w.opts.Source = &server.FileSource{Path: s.DeclarativeConfig, Options: declarativeOptions(reg)}
		}
	} else {
		if s.DeclarativeConfig != "" {
			log.Warn("declarative_config is only read when database = off; it is ignored", "component", "cli",
				"declarative_config", s.DeclarativeConfig, "database", s.Database)
		}
		st, name, err := openStore(ctx, s, log)
		if err != nil {
			return nil, err
		}
		w.opts.Source = &server.StoreSource{Store: st, Name: name}
		w.opts.StatusExtra = databaseStatus(st)
		w.opts.Ready = databaseReady(st)
		adminOpts.Store = st
		w.close = func() { st.Close() }
	}
	if err := wireCluster(s, log, reg, w, &adminOpts); err != nil {
		w.close()
		return nil, err
	}
	if s.Role != config.RoleDataPlane {
		w.opts.Admin = func(n *server.Node) http.Handler {
			o := adminOpts
			o.Node = nodeInfo(s, n, reg)
			if s.Role != config.RoleControlPlane { // a control plane proxies nothing
				o.UpstreamHealth, o.SetTargetHealth = n.UpstreamHealth, n.SetTargetHealth
			}
			if o.Store == nil {
				o.ApplyConfig, o.CurrentConfig = applyParsed(n), n.Current
			}
			return admin.New(o)
		}
	}
	return w, nil
}

// applyParsed is POST /config's apply: the admin's default ParseConfig is
// the declarative loader, which has validated cfg, so the node's build
// does not validate it a second time.
func applyParsed(n *server.Node) func(context.Context, *entity.Config) error {
	return func(ctx context.Context, cfg *entity.Config) error {
		return n.ApplyValidated(ctx, cfg, cfg.Digest())
	}
}

// pluginCollectors are the metrics plugins record on this node, served on
// the status listener's /metrics: the prometheus plugin's, when loaded.
func pluginCollectors(reg *plugin.Registry) []prom.Collector {
	if _, ok := reg.Get("prometheus"); !ok {
		return nil
	}
	return []prom.Collector{promplugin.Collector(reg)}
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
