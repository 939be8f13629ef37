// Package requestsizelimiting is the request-size-limiting plugin: it
// rejects request bodies larger than a limit, from Content-Length when
// present, else by reading at most limit+1 bytes of the body (through the
// plugin context, so within proxy_max_body_size and held in memory only up
// to proxy_body_buffer_size).
package requestsizelimiting

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for request-size-limiting.
const Priority = 951

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "request-size-limiting", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, _ *plugin.Env) (plugin.Handler, error) {
			return &Handler{cfg: cfg, limit: cfg.limit()}, nil
		},
	}))
}

// Handler enforces one limit.
type Handler struct {
	cfg   *Config
	limit int64
}

var _ plugin.Access = (*Handler)(nil)

const tooLarge = "Request size limit exceeded"

// Access checks Content-Length, or reads the body up to the limit.
func (h *Handler) Access(ctx *plugin.Context) error {
	r := ctx.Request
	if cl := r.Header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
			if n > h.limit {
				h.reject(ctx)
			}
			return nil
		}
	}
	if h.cfg.RequireContentLength && !bodyless(r) {
		ctx.Exit(http.StatusLengthRequired, "A valid Content-Length header is required", nil)
		return nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	n, err := ctx.RequestBodySize(h.limit)
	switch {
	case err != nil:
		return nil // the body is lost: the proxy answers the client
	case n > h.limit:
		h.reject(ctx)
		return nil
	}
	// The body was read in full: send its length, as before streaming it.
	r.ContentLength = n
	r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	return nil
}

// reject answers 413, or 417 to a client waiting on "Expect: 100-continue".
func (h *Handler) reject(ctx *plugin.Context) {
	if strings.EqualFold(ctx.Request.Header.Get("Expect"), "100-continue") {
		ctx.Exit(http.StatusExpectationFailed, tooLarge, nil)
		return
	}
	ctx.Exit(http.StatusRequestEntityTooLarge, tooLarge, nil)
}

// bodyless reports requests that carry no body at all.
func bodyless(r *http.Request) bool {
	return r.ContentLength == 0 && len(r.TransferEncoding) == 0
}
