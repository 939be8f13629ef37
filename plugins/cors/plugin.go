// Package cors is the cors plugin: it answers CORS preflight requests at
// the gateway and adds the CORS headers to other responses.
package cors

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for cors: before authentication, so
// preflights (which carry no credentials) are answered.
const Priority = 2000

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "cors", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, _ *plugin.Env) (plugin.Handler, error) {
			h := &Handler{cfg: cfg, origins: compileOrigins(cfg.Origins)}
			n := len(cfg.Origins)
			h.allowAll = n == 0 || (n == 1 && cfg.Origins[0] == "*")
			for _, o := range cfg.Origins {
				h.allowAll = h.allowAll || o == "*"
			}
			if n == 1 && !isRegex(cfg.Origins[0]) && !h.allowAll {
				h.single = cfg.Origins[0]
			}
			h.methods = strings.Join(cfg.Methods, ",")
			h.headers = strings.Join(cfg.Headers, ",")
			h.exposed = strings.Join(cfg.ExposedHeaders, ",")
			if cfg.MaxAge != nil {
				h.maxAge = strconv.FormatFloat(*cfg.MaxAge, 'f', -1, 64)
			}
			return h, nil
		},
	}))
}

// Handler holds one instance's precomputed header values.
type Handler struct {
	cfg                       *Config
	origins                   []origin
	allowAll                  bool
	single                    string // the one non-regex origin, echoed as configured
	methods, headers, exposed string
	maxAge                    string
}

var (
	_ plugin.Access       = (*Handler)(nil)
	_ plugin.HeaderFilter = (*Handler)(nil)
)

// skipKey marks requests whose CORS headers are already handled (preflight).
type skipKey struct{}

// Access answers preflight requests (OPTIONS with Origin and
// Access-Control-Request-Method) with 200, unless preflight_continue.
func (h *Handler) Access(ctx *plugin.Context) error {
	r := ctx.Request
	reqOrigin := r.Header.Get("Origin")
	if r.Method != http.MethodOptions || reqOrigin == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return nil
	}
	ctx.Set(skipKey{}, true)
	if h.cfg.PreflightContinue {
		return nil
	}
	out := http.Header{}
	allowAll := h.origin(out, reqOrigin, false)
	h.credentials(out, allowAll, reqOrigin, false)
	switch {
	case h.headers != "":
		out.Set("Access-Control-Allow-Headers", h.headers)
	case r.Header.Get("Access-Control-Request-Headers") != "":
		out.Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
	}
	out.Set("Access-Control-Allow-Methods", h.methods)
	if h.maxAge != "" {
		out.Set("Access-Control-Max-Age", h.maxAge)
	}
	if h.cfg.PrivateNetwork && r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		out.Set("Access-Control-Allow-Private-Network", "true")
	}
	ctx.Exit(http.StatusOK, nil, out)
	return nil
}

// HeaderFilter adds the CORS headers to actual (non-preflight) responses.
func (h *Handler) HeaderFilter(ctx *plugin.Context) error {
	if ctx.Get(skipKey{}) != nil {
		return nil
	}
	reqOrigin := ctx.Request.Header.Get("Origin")
	if reqOrigin == "" && !h.cfg.AllowOriginAbsent {
		return nil
	}
	out := ctx.Response.Header
	allowAll := h.origin(out, reqOrigin, true)
	h.credentials(out, allowAll, reqOrigin, true)
	if h.exposed != "" {
		out.Set("Access-Control-Expose-Headers", h.exposed)
	}
	return nil
}

// origin sets Access-Control-Allow-Origin; it reports whether every origin
// is allowed ("*").
func (h *Handler) origin(out http.Header, reqOrigin string, addVary bool) bool {
	if h.allowAll && len(h.cfg.Origins) <= 1 {
		out.Set("Access-Control-Allow-Origin", "*")
		return true
	}
	vary(out, addVary)
	if h.single != "" {
		out.Set("Access-Control-Allow-Origin", h.single)
		return false
	}
	if reqOrigin != "" {
		if h.allowAll {
			out.Set("Access-Control-Allow-Origin", "*")
			return true
		}
		if o := match(h.origins, reqOrigin); o != "" {
			out.Set("Access-Control-Allow-Origin", o)
			return false
		}
	}
	out.Del("Access-Control-Allow-Origin")
	return false
}

// credentials sets Access-Control-Allow-Credentials; with "*" it echoes the
// request's origin instead, since browsers refuse credentials with "*".
func (h *Handler) credentials(out http.Header, allowAll bool, reqOrigin string, addVary bool) {
	if !h.cfg.Credentials {
		return
	}
	if !allowAll {
		out.Set("Access-Control-Allow-Credentials", "true")
		return
	}
	if reqOrigin != "" {
		vary(out, addVary)
		out.Set("Access-Control-Allow-Origin", reqOrigin)
		out.Set("Access-Control-Allow-Credentials", "true")
	}
}

func vary(out http.Header, add bool) {
	if add {
		out.Add("Vary", "Origin")
	} else {
		out.Set("Vary", "Origin")
	}
}
