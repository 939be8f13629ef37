// Package plugin is Gantry's plugin framework: plugin registration, config
// schemas (strict decoding with Kong's field names and defaults), scope
// precedence, per-route chains, and the request context plugins work on.
// The bundled plugins live in plugins/<name> and register themselves in
// init(); plugins/all imports every one of them.
//
// # Writing a plugin
//
//	type Config struct {
//		KeyNames []string `json:"key_names"`
//	}
//
//	func init() {
//		plugin.Register(plugin.New(plugin.Spec[Config]{
//			Name: "key-auth", Version: plugin.BundledVersion, Priority: 1250,
//			Defaults: func() *Config { return &Config{KeyNames: []string{"apikey"}} },
//			New:      func(cfg *Config, env *plugin.Env) (plugin.Handler, error) { return &Handler{cfg: cfg}, nil },
//			NoConsumer: true,
//		}))
//	}
//
//	var _ plugin.Access = (*Handler)(nil)
//
// A handler implements any of Certificate, Rewrite, Access, HeaderFilter,
// BodyFilter and Log. A config implementing ConfigValidator gets checks
// beyond types. Handlers are built once per snapshot and shared by
// concurrent requests.
//
// # Validating (Admin API, declarative loader, data plane apply)
//
//	reg := plugin.Bundled(logger)        // once per node
//	reg, err := reg.Subset(conf.Plugins) // the `plugins` setting
//	errs := reg.Validate(p)              // entity.Errors: "name", "consumer", "config.minute"...
//	errs = reg.Normalize(p)              // same, and fills p.Config with defaults (store this)
//	versions := reg.Versions()           // name → semver, for CP/DP compatibility
//	schema, ok := reg.Schema(name)       // GET /schemas/plugins/{name}
//
// Call Validate after references were resolved to ids. Credentials are
// not plugins: hashing basic-auth passwords at write time is the Admin API's
// and loader's job (see plugins/basic-auth HashPassword).
//
// # Wiring into the proxy
//
// With each config snapshot, next to the router:
//
//	chains, err := reg.BuildChains(cfg) // same reg every time: counters survive
//	...
//	chains.Release() // once no snapshot serves it: state only it used stops
//
// A failed build keeps the previous snapshot, like a failed router build.
// snapshot.Options.Plugins takes reg and does both: the snapshot owns its
// chains and Retire releases them. reg.Close stops what is left when the
// node stops.
//
// Per request, with m the router match (m == nil: chains.Global()):
//
//	ctx := plugin.AcquireContext(w, r)
//	defer plugin.ReleaseContext(ctx)
//	ctx.Route, ctx.Service = m.Route, m.Service
//	ctx.ClientIP, ctx.Protocol = clientIP, "https" // "http", "https", "grpc", "grpcs"
//	chain := chains.Route(m.Route.ID)
//	chain.Rewrite(ctx)
//	if !chain.Access(ctx) {
//		chain.SendExit(ctx) // writes ctx.Response through header/body filters
//		chain.Log(ctx)
//		return
//	}
//	// send ctx.Request upstream (plugins changed its headers, URL, body)
//	ctx.Response = plugin.Response{Status: resp.StatusCode, Header: resp.Header}
//	chain.HeaderFilter(ctx)
//	switch {
//	case ctx.Exited(): // a header filter failed: send ctx.Response and its Body, drop resp.Body
//	case chain.NeedsBody(ctx): // buffer resp.Body, body = chain.BodyFilter(ctx, body), fix Content-Length;
//		// if ctx.Exited() now, a body filter failed: body is its 500, send ctx.Response.Status/Header
//	default: // write ctx.Response.Status/Header, stream resp.Body
//	}
//	ctx.UpstreamURI, ctx.UpstreamLatency, ctx.ResponseSize = ... // for log plugins
//	chain.Log(ctx)
//
// A request that matched no route runs chains.Global(): Rewrite, then
// ctx.Exit(404, ...), then Access (which, the request being stopped, only
// selects the global plugins so their filters and logs see the 404).
//
// With httputil.ReverseProxy, the response part goes in ModifyResponse:
// set ctx.Response from resp, run HeaderFilter, copy Status back to
// resp.StatusCode, and replace resp.Body with ctx.Response.Body when
// ctx.Exited() or with BodyFilter's result when NeedsBody (checking
// ctx.Exited() again afterwards: a failed body filter turns the answer
// into a 500, status and headers included).
//
// internal/proxy (plugins.go) is the wiring; internal/plugin/plugintest
// runs plugin tests through it, on a real snapshot and a loopback listener.
//
// # Node-level state
//
// reg.Close() at shutdown releases what plugins keep across snapshots
// (redis pools, http-log senders, open log files). The prometheus plugin's
// metrics are registered on the status listener with
// prometheus.Collector(reg) (package plugins/prometheus).
//
// # Precedence
//
// For each plugin name, the most specific enabled instance wins, in Kong's
// order: consumer+route+service > consumer+route > consumer+service >
// route+service > consumer > route > service > global. The consumer is only
// known once an authentication plugin ran, so Chain resolves consumer-scoped
// instances while walking: plugins of lower priority than the
// authentication plugin see the consumer's configuration. Disabled
// instances do not exist for precedence (a less specific one applies). The
// winner runs only if its `protocols` include the request's protocol.
// When a plugin stops the request, the walk still selects the remaining
// plugins without calling their access handlers, as Kong does, so header
// filters and log handlers of every plugin see the gateway's answer.
//
// # Failures
//
// A handler that returns an error or panics fails only its request: the
// client gets 500 {"message":"An unexpected error occurred"} and the error
// is logged with the plugin's name, id and phase.
package plugin
