// Package app is Gantry's composition root: it turns settings into a node,
// choosing the role's components (proxy, Admin API, status, control plane),
// its configuration providers (declarative file, store, POST /config, data
// plane agent) and what the pipeline between them applies to. It is the one
// package that knows every role; docs/architecture.md draws the result.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/gantryhq/gantry/internal/admin"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/engine"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/provider/file"
	"github.com/gantryhq/gantry/internal/provider/push"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/status"
	"github.com/gantryhq/gantry/internal/version"
	"github.com/gantryhq/gantry/internal/yield"
)

// App is a node ready to run, with what SIGHUP reloads.
type App struct {
	*node.Node
	reload []func()
}

// Reload reads the configuration sources that can be read again (a DB-less
// node's declarative_config, a database) and applies what changed; a
// source with errors is logged and the running configuration keeps serving.
func (a *App) Reload() {
	for _, r := range a.reload {
		r()
	}
}

// parts is what New assembles for one role.
type parts struct {
	s       *settings.Settings
	log     *slog.Logger
	reg     *plugin.Registry
	id      string
	pipe    *pipeline.Pipeline
	engine  *engine.Engine // nil on a control plane
	status  status.Options
	admin   *admin.Options // nil on a data plane
	comps   []node.Component
	provs   []pipeline.Provider
	reloads []func()
	closers []func()
}

// New assembles the node of the settings:
//   - database = sqlite or postgres: entities come from the store (reloaded
//     on every committed write) and admin_listen serves the full Admin API;
//   - database = off: entities come from declarative_config (reloaded on
//     SIGHUP) and POST /config, and admin_listen serves the DB-less Admin API;
//   - role = control_plane: the store's configuration goes to data planes,
//     and nothing is proxied (no proxy, no balancers, no health checks);
//   - role = data_plane: the configuration comes from the control plane
//     through the agent; there is no Admin API.
func New(ctx context.Context, s *settings.Settings, log *slog.Logger) (app *App, err error) {
	reg, err := Plugins(s, log)
	if err != nil {
		return nil, err
	}
	id, err := node.Identity(s.Prefix)
	if err != nil {
		return nil, err
	}
	p := &parts{s: s, log: log, reg: reg, id: id}
	// Plugins' background work (queues, timers) stops last, once every
	// snapshot holding it has retired.
	p.closers = append(p.closers, func() {
		if err := reg.Close(); err != nil {
			log.Warn("plugins did not stop cleanly", "component", "app", "error", err)
		}
	})
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if s.Role != settings.RoleControlPlane {
		// This node proxies: its config work gives way to requests.
		yield.Enable()
		if p.engine, err = engine.New(s, log, reg); err != nil {
			return nil, err
		}
		p.pipe = pipeline.New(p.engine, log)
	}
	if s.Role != settings.RoleDataPlane {
		p.admin = &admin.Options{Logger: log, Role: string(s.Role), ValidatePlugin: reg.Normalize, PluginSchema: reg.Schema,
			Node: nodeInfo(s, id, reg), LoopbackOnly: s.AdminOnLoopbackOnly(),
			AllowedHosts: s.AdminAllowedHosts, AllowedOrigins: s.AdminAllowedOrigins}
	}
	switch {
	case s.Role == settings.RoleDataPlane:
		err = p.dataPlane()
	case s.Database == settings.DatabaseOff:
		p.dbless()
	default:
		err = p.database(ctx)
	}
	if err != nil {
		return nil, err
	}
	n, err := p.node()
	if err != nil {
		return nil, err
	}
	return &App{Node: n, reload: p.reloads}, nil
}

// dbless: declarative_config at start and on SIGHUP, POST /config.
func (p *parts) dbless() {
	if path := p.s.DeclarativeConfig; path != "" {
		f := file.New(path, DeclarativeOptions(p.reg), p.log)
		p.provs = append(p.provs, f)
		p.reloads = append(p.reloads, f.Reload)
	}
	posted := push.New("POST /config", p.pipe)
	p.provs = append(p.provs, posted)
	p.admin.ApplyConfig = posted.Push
	p.admin.CurrentConfig = func() (*entity.Config, string) {
		v := p.pipe.Current().Config
		return v.Config(), v.Hash()
	}
}

// database: the store at start and after every write; a control plane
// pushes it to its data planes.
func (p *parts) database(ctx context.Context) error {
	if p.s.DeclarativeConfig != "" {
		p.log.Warn("declarative_config is only read when database = off; it is ignored", "component", "app",
			"declarative_config", p.s.DeclarativeConfig, "database", p.s.Database)
	}
	st, name, err := OpenStore(ctx, p.s, p.log)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, func() { st.Close() })
	p.admin.Store = st
	p.status.Ready = databaseReady(st)
	p.status.Extra = databaseStatus(st)
	prov := &database.Provider{Store: st, Describe: name, Logger: p.log,
		Stored: p.s.Role == settings.RoleControlPlane, KeepEncodings: p.s.Role == settings.RoleControlPlane}
	p.provs = append(p.provs, prov)
	p.reloads = append(p.reloads, prov.Reload)
	if p.s.Role == settings.RoleControlPlane {
		return p.controlPlane(st)
	}
	return nil
}

// node puts the parts together: the status listener first (up first, down
// last: it answers 503 on /status/ready while the rest drains), then the
// proxy, the Admin API and the cluster component.
func (p *parts) node() (*node.Node, error) {
	st := p.status
	st.NodeID, st.Role = p.id, string(p.s.Role)
	st.Current = func() entity.Valid { return p.pipe.Current().Config }
	st.Collectors = append(p.pipe.Collectors(), p.reg.Collectors()...)
	if e := p.engine; e != nil {
		st.Server = e.ServerStatus
		st.Collectors = append(st.Collectors, e.Collector())
		st.Routes = func(mux *http.ServeMux) { e.RegisterUpstreams(mux, p.id) }
	}
	var n *node.Node
	st.Draining = func() bool { return n.Draining() }
	h, err := status.Handler(st)
	if err != nil {
		return nil, err
	}
	s := p.s
	comps := []node.Component{&node.HTTP{Component: "status", Handler: h, Cert: s.StatusSSLCert, Key: s.StatusSSLCertKey, Logger: p.log}}
	if p.engine != nil {
		comps = append(comps, p.engine)
	}
	if a := p.admin; a != nil {
		if p.engine != nil {
			a.UpstreamHealth, a.SetTargetHealth = p.engine.UpstreamHealth, p.engine.SetTargetHealth
		}
		comps = append(comps, &node.HTTP{Component: "admin", Handler: admin.New(*a), Cert: s.AdminSSLCert, Key: s.AdminSSLCertKey,
			ClientCA: s.AdminSSLClientCA, Logger: p.log})
	}
	n, err = node.New(node.Options{Settings: s, Logger: p.log, Pipeline: p.pipe, Providers: p.provs,
		Components: append(comps, p.comps...), Close: p.close})
	return n, err
}

// close releases what the parts hold, last first.
func (p *parts) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
}

// Plugins is the registry of the `plugins` setting.
func Plugins(s *settings.Settings, log *slog.Logger) (*plugin.Registry, error) {
	reg, err := plugin.Bundled(log).Subset(s.Plugins)
	if err != nil {
		return nil, fmt.Errorf("invalid setting plugins (from %s): %w", s.SourceOf("plugins"), err)
	}
	return reg, nil
}

// DeclarativeOptions validates plugin configs against reg and fills their
// defaults, as the Admin API does.
func DeclarativeOptions(reg *plugin.Registry) declarative.Options {
	return declarative.Options{ValidatePlugin: reg.Normalize}
}

func nodeInfo(s *settings.Settings, id string, reg *plugin.Registry) admin.NodeInfo {
	host, _ := os.Hostname()
	info := admin.NodeInfo{
		Version:       version.KongAPI,
		GantryVersion: version.Version,
		Hostname:      host,
		NodeID:        id,
		Configuration: s.Redacted(),
		Plugins:       map[string]admin.PluginInfo{},
	}
	for _, name := range reg.Names() {
		p, _ := reg.Get(name)
		info.Plugins[name] = admin.PluginInfo{Version: p.Version(), Priority: p.Priority()}
	}
	return info
}
