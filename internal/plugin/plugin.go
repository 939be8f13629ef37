package plugin

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/internal/entity"
)

// BundledVersion is the version every plugin shipped with Gantry reports.
// Bundled plugins move together with the binary; bump the minor when a
// plugin gains a config field (a data plane with an older minor could not
// read it) and the major when a field changes meaning.
const BundledVersion = "1.0.0"

// Spec is what a plugin package declares about itself; New turns it into a
// registrable *Plugin. C is the plugin's config struct: exported fields with
// `json` tags holding Kong's field names.
type Spec[C any] struct {
	Name     string
	Version  string // semver; BundledVersion for bundled plugins
	Priority int    // higher runs first; Kong's numbers for Kong's plugins
	// Defaults returns a fresh config holding Kong's defaults. The instance
	// config is decoded over it, so omitted fields keep their default.
	Defaults func() *C
	// New builds the handler of one plugin instance. It runs once per
	// instance per config snapshot, never per request, so it is the place
	// to compile regexes and parse CIDRs.
	New func(cfg *C, env *Env) (Handler, error)
	// NoConsumer rejects instances scoped to a consumer: authentication
	// plugins are what finds the consumer, so they cannot depend on it.
	NoConsumer bool
	// Protocols lists the request protocols the plugin supports; nil means
	// grpc, grpcs, http and https.
	Protocols []string
	// Metrics, for a plugin that records metrics (prometheus), makes the
	// collector the node's /metrics serves: see Registry.Collectors.
	Metrics func(r *Registry) prometheus.Collector
}

// Plugin is a registered plugin kind, the type-erased form of a Spec.
type Plugin struct {
	name       string
	version    string
	priority   int
	noConsumer bool
	protocols  []string
	newConfig  func() any
	build      func(cfg any, env *Env) (Handler, error)
	metrics    func(r *Registry) prometheus.Collector
}

// New converts a Spec into a Plugin ready for Register.
func New[C any](s Spec[C]) *Plugin {
	protocols := s.Protocols
	if protocols == nil {
		protocols = []string{"grpc", "grpcs", "http", "https"}
	}
	return &Plugin{
		name: s.Name, version: s.Version, priority: s.Priority,
		noConsumer: s.NoConsumer, protocols: protocols,
		newConfig: func() any { return s.Defaults() },
		build:     func(cfg any, env *Env) (Handler, error) { return s.New(cfg.(*C), env) },
		metrics:   s.Metrics,
	}
}

// Name is the plugin's name, as in a plugin entity's "name" field.
func (p *Plugin) Name() string { return p.name }

// Version is the plugin's semver version, compared between CP and DP.
func (p *Plugin) Version() string { return p.version }

// Priority orders plugins: higher runs first in every phase.
func (p *Plugin) Priority() int { return p.priority }

// Handler is one configured plugin instance. It implements one or more of
// the phase interfaces below; BuildChains rejects a handler with none.
// Handlers are shared by every request of a snapshot, concurrently: they must
// not keep per-request state in themselves (use Context.Set).
type Handler any

// Certificate runs during the TLS handshake, for global instances only (no
// route is known yet). It may choose the certificate to serve.
type Certificate interface {
	Certificate(ctx *CertContext) error
}

// Rewrite runs before routing-dependent work, for global instances only,
// like Kong's rewrite phase.
type Rewrite interface {
	Rewrite(ctx *Context) error
}

// Access runs before the request goes upstream. It may change ctx.Request
// (what is sent upstream), authenticate a consumer, or stop the request
// with ctx.Exit. A returned error becomes a 500 for this request.
type Access interface {
	Access(ctx *Context) error
}

// HeaderFilter runs when the response status and headers are known (from
// the upstream or from an Exit), before anything is written to the client.
// It changes ctx.Response.Status and ctx.Response.Header.
type HeaderFilter interface {
	HeaderFilter(ctx *Context) error
}

// BodyFilter receives the whole response body and returns the body to
// send. Implementing it makes the proxy buffer responses of the routes the
// plugin runs on, so only plugins that rewrite bodies should.
type BodyFilter interface {
	BodyFilter(ctx *Context, body []byte) ([]byte, error)
}

// Log runs after the response has been sent. It must not block the
// request goroutine for long: hand slow work to a goroutine owned by the
// handler's Env.
type Log interface {
	Log(ctx *Context)
}

// ShorthandFields is implemented by config structs that accept Kong's
// input-only aliases: Shorthands maps an alias to the dotted path of the
// field it sets ("redis_host" → "redis.host"). Aliases are rewritten before
// decoding and never rendered back, as in Kong.
type ShorthandFields interface {
	Shorthands() map[string]string
}

// ConfigValidator is implemented by config structs with checks beyond
// types (ranges, field combinations). Field names are relative to the
// config ("minute"); "" means the config as a whole.
type ConfigValidator interface {
	Validate() entity.Errors
}
