// Package requesttermination is the request-termination plugin: it answers
// every request (or those carrying a trigger) itself, with a fixed status
// and message or body, without calling the upstream.
package requesttermination

import (
	"net/http"
	"os"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for request-termination: after
// authentication and rate limiting, so those still apply.
const Priority = 2

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "request-termination", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, _ *plugin.Env) (plugin.Handler, error) {
			h := &Handler{cfg: cfg, message: plugin.StatusMessage(cfg.StatusCode)}
			if cfg.Message != nil {
				h.message = *cfg.Message
			}
			if cfg.Body != nil {
				h.body = []byte(*cfg.Body)
				if cfg.ContentType != nil {
					h.headers = http.Header{"Content-Type": {*cfg.ContentType}}
				}
			}
			return h, nil
		},
	}))
}

// Handler terminates requests.
type Handler struct {
	cfg     *Config
	message string
	body    []byte
	headers http.Header
}

var _ plugin.Access = (*Handler)(nil)

// Access stops the request.
func (h *Handler) Access(ctx *plugin.Context) error {
	r := ctx.Request
	if t := h.cfg.Trigger; t != nil && r.Header.Get(*t) == "" && !r.URL.Query().Has(*t) {
		return nil
	}
	switch {
	case h.cfg.Echo:
		ctx.Exit(h.cfg.StatusCode, h.echo(ctx), nil)
	case h.body != nil:
		ctx.Exit(h.cfg.StatusCode, h.body, h.headers)
	default:
		ctx.Exit(h.cfg.StatusCode, h.message, nil)
	}
	return nil
}

// echoed is the answer of echo mode: the request as the gateway saw it.
type echoed struct {
	Message string `json:"message"`
	Gantry  struct {
		Hostname string `json:"hostname"`
	} `json:"gantry"`
	Request struct {
		Scheme  string              `json:"scheme"`
		Host    string              `json:"host"`
		Method  string              `json:"method"`
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
		Query   map[string][]string `json:"query"`
		RawBody string              `json:"raw_body"`
	} `json:"request"`
	MatchedRoute   any `json:"matched_route"`
	MatchedService any `json:"matched_service"`
}

func (h *Handler) echo(ctx *plugin.Context) *echoed {
	var e echoed
	e.Message = h.message
	e.Gantry.Hostname, _ = os.Hostname()
	r := ctx.Request
	e.Request.Scheme = "http"
	if r.TLS != nil {
		e.Request.Scheme = "https"
	}
	e.Request.Host, e.Request.Method, e.Request.Path = r.Host, r.Method, r.URL.Path
	e.Request.Headers, e.Request.Query = r.Header, r.URL.Query()
	body, _ := ctx.RequestBody()
	e.Request.RawBody = string(body)
	if ctx.Route != nil {
		e.MatchedRoute = ctx.Route
	}
	if ctx.Service != nil {
		e.MatchedService = ctx.Service
	}
	return &e
}
