// Package admin is Gantry's Admin API: Kong 3.x compatible CRUD over the
// entities in a store.Store, node information, schemas, and on DB-less
// nodes the declarative /config endpoint.
//
// Every handler returns (status, body, error); one renderer writes bodies
// as JSON and turns errors into Kong's {code, name, message, fields} shape,
// so a bad request can never become a 500 by way of a forgotten branch.
package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Roles a node can run in (the `role` setting).
const (
	RoleTraditional  = "traditional"
	RoleControlPlane = "control_plane"
	RoleDataPlane    = "data_plane"
)

// PluginInfo describes a plugin this node can run, for GET /.
type PluginInfo struct {
	Version  string `json:"version"`
	Priority int    `json:"priority"`
}

// NodeInfo is what GET / reports about the node.
type NodeInfo struct {
	// Version is the Kong Admin API level implemented ("3.9.0"), so Kong's
	// clients pick the right dialect.
	Version       string
	GantryVersion string
	Hostname      string
	NodeID        string
	// Configuration is the node's settings with secrets already redacted;
	// keys that look secret are redacted again defensively.
	Configuration map[string]any
	// Plugins lists the plugins available on this node by name.
	Plugins map[string]PluginInfo
}

// Options configures the Admin API handler.
type Options struct {
	// Store holds the entities; nil on DB-less nodes, which then serve reads
	// from CurrentConfig and refuse writes with 405, as Kong does.
	Store  store.Store
	Logger *slog.Logger
	Node   NodeInfo
	// Role is RoleTraditional (default), RoleControlPlane or RoleDataPlane.
	Role string

	// ApplyConfig loads a whole new, checked configuration (POST /config,
	// DB-less) through the node's pipeline.
	ApplyConfig func(ctx context.Context, v entity.Valid) error
	// CurrentConfig returns the configuration running now and its hash.
	CurrentConfig func() (*entity.Config, string)
	// ParseConfig parses a declarative document (YAML or JSON) for POST
	// /config; nil means declarative.Parse with ValidatePlugin.
	ParseConfig func(data []byte) (entity.Valid, error)

	// ValidatePlugin checks a plugin's name and config against the plugin's
	// own schema and may fill config defaults (pass
	// (*plugin.Registry).Normalize); nil accepts any plugin.
	ValidatePlugin func(*entity.Plugin) entity.Errors
	// PluginSchema describes a plugin in Kong's schema form (pass
	// (*plugin.Registry).Schema): GET /schemas/plugins/{name} answers it, and
	// form-encoded plugin config is typed by it. Nil or false answers 404.
	PluginSchema func(name string) (map[string]any, bool)
	// DataPlanes lists the data planes a control plane knows
	// (GET /clustering/data-planes); nil lists none.
	DataPlanes func(ctx context.Context) ([]any, error)

	// UpstreamHealth reports the balancer's view of an upstream for GET
	// /upstreams/{u}/health: one row per target (rendered as "data") and the
	// whole upstream's health (?balancer_health=1). Nil answers 404.
	UpstreamHealth func(ctx context.Context, upstreamID string) (targets any, upstream string, err error)
	// SetTargetHealth marks a target (address "" = all its addresses)
	// healthy or not by hand (POST .../targets/{t}/healthy). Nil answers 404.
	SetTargetHealth func(ctx context.Context, upstreamID, target, address string, healthy bool) error

	// MaxBodySize bounds request bodies; 0 means DefaultMaxBodySize.
	MaxBodySize int64

	// LoopbackOnly says every admin_listen address is a loopback one: then
	// only loopback Host values and AllowedHosts (admin_allowed_hosts) are
	// answered. AllowedOrigins (admin_allowed_origins) are the browser
	// origins, besides the Admin API's own, whose writes are accepted
	// (guard.go).
	LoopbackOnly   bool
	AllowedHosts   []string
	AllowedOrigins []string
}

// handler is the Admin API; it holds no mutable state of its own.
type handler struct {
	opts    Options
	log     *slog.Logger
	rt      *router
	kinds   map[entity.Kind]*kindInfo
	schemas map[entity.Kind]*field
	started time.Time
	// warned records the deprecated paths already logged, once each.
	warned sync.Map
}

// New returns the Admin API as an http.Handler.
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Role == "" {
		opts.Role = RoleTraditional
	}
	if opts.MaxBodySize <= 0 {
		opts.MaxBodySize = DefaultMaxBodySize
	}
	if opts.ParseConfig == nil {
		opts.ParseConfig = parseDeclarative(opts.ValidatePlugin)
	}
	h := &handler{
		opts:    opts,
		log:     opts.Logger.With("component", "admin"),
		rt:      newRouter(),
		kinds:   kindsByKind(),
		schemas: map[entity.Kind]*field{},
		started: time.Now(),
	}
	for _, k := range entity.Kinds {
		h.schemas[k] = schemaOf(k)
	}
	h.routes()
	return h
}

// dbless reports whether this node has no database.
func (h *handler) dbless() bool { return h.opts.Store == nil }

// reader returns where reads come from: the store, or the running config.
func (h *handler) reader() reader {
	if h.opts.Store != nil {
		return h.opts.Store
	}
	var cfg *entity.Config
	if h.opts.CurrentConfig != nil {
		cfg, _ = h.opts.CurrentConfig()
	}
	return configView{cfg: cfg}
}

// ServeHTTP routes the request and renders the result.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if why := h.guard(r); why != "" {
		h.renderError(w, r, &apiError{Status: http.StatusForbidden, Message: why})
		return
	}
	if r.ContentLength > h.opts.MaxBodySize {
		// Said before a byte of the body is read: a client that sent
		// "Expect: 100-continue" gets the 413, not "100 Continue" and
		// then a reset.
		h.renderError(w, r, errTooLarge(h.opts.MaxBodySize))
		return
	}
	n, vals := h.rt.lookup(r.URL.EscapedPath())
	if n == nil {
		h.renderError(w, r, errNotFound())
		return
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	ep, ok := n.methods[method]
	if !ok {
		h.renderError(w, r, &apiError{Status: http.StatusMethodNotAllowed, Message: "Method not allowed"})
		return
	}
	if ep.successor != "" {
		h.markDeprecated(w, r, ep.successor)
	}
	status, body, err := h.safeCall(ep.fn, r, ep.bind(vals))
	if err != nil {
		h.renderError(w, r, fromError(err))
		return
	}
	writeJSON(w, status, body)
}

// safeCall runs fn and turns a panic into a logged 500, so one bug cannot
// take the listener down; tests (FuzzAdminBody) make sure none happens.
func (h *handler) safeCall(fn handlerFunc, r *http.Request, p params) (status int, body any, err error) {
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("admin handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
			status, body, err = 0, nil, &apiError{Status: http.StatusInternalServerError, Message: "An unexpected error occurred"}
		}
	}()
	return fn(r, p)
}

// markDeprecated tells the client (RFC 9745 Deprecation, RFC 8288 Link) and,
// once per path, the operator that a deprecated endpoint was called.
func (h *handler) markDeprecated(w http.ResponseWriter, r *http.Request, successor string) {
	w.Header().Set("Deprecation", "true")
	w.Header().Set("Link", "<"+successor+">; rel=\"successor-version\"")
	if _, seen := h.warned.LoadOrStore(r.URL.Path, true); !seen {
		h.log.Warn("deprecated Admin API endpoint called; use its successor", "path", r.URL.Path, "successor", successor)
	}
}

func (h *handler) renderError(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.Status >= 500 {
		h.log.Error("admin request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "err", e)
	}
	writeJSON(w, e.Status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"message":"An unexpected error occurred"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
