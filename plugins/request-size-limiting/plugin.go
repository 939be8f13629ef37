// Package requestsizelimiting is the request-size-limiting plugin: it
// rejects request bodies larger than a limit, from Content-Length when
// present, else by reading at most limit+1 bytes of the body.
package requestsizelimiting

import (
	"io"
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
	b, err := io.ReadAll(io.LimitReader(r.Body, h.limit+1))
	if err != nil {
		ctx.Exit(http.StatusBadRequest, "Bad request", nil)
		return nil
	}
	if int64(len(b)) > h.limit {
		h.reject(ctx)
		return nil
	}
	r.Body.Close()
	ctx.SetRequestBody(b)
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
