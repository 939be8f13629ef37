// Package requesttransformer is the request-transformer plugin: it edits
// the request sent upstream (headers, query string, form or JSON body,
// method and path) with Kong's remove, rename, replace, add and append
// operations, in that order.
package requesttransformer

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/transform"
)

// Priority is Kong's priority for request-transformer.
const Priority = 801

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "request-transformer", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(c *Config, _ *plugin.Env) (plugin.Handler, error) {
			return &Handler{
				method: c.HTTPMethod, uri: c.Replace.URI,
				headers: transform.NewOps(c.Remove.Headers, c.Rename.Headers, c.Replace.Headers, c.Add.Headers, c.Append.Headers),
				query:   transform.NewOps(c.Remove.Querystring, c.Rename.Querystring, c.Replace.Querystring, c.Add.Querystring, c.Append.Querystring),
				body:    transform.NewOps(c.Remove.Body, c.Rename.Body, c.Replace.Body, c.Add.Body, c.Append.Body),
			}, nil
		},
	}))
}

// Handler applies one instance's operations.
type Handler struct {
	method, uri          *string
	headers, query, body transform.Ops
}

var _ plugin.Access = (*Handler)(nil)

// Access edits ctx.Request: headers, method, path, query, then body.
func (h *Handler) Access(ctx *plugin.Context) error {
	r := ctx.Request
	if !h.headers.Empty() {
		h.headers.Apply(hostAware{transform.Header(r.Header), ctx})
	}
	if h.method != nil {
		r.Method = *h.method
	}
	if h.uri != nil {
		r.URL.Path, r.URL.RawPath = *h.uri, ""
	}
	if !h.query.Empty() {
		q := r.URL.Query()
		if h.query.Apply(transform.Values(q)) {
			r.URL.RawQuery = q.Encode()
		}
	}
	if !h.body.Empty() {
		return h.transformBody(ctx)
	}
	return nil
}

// transformBody edits form and JSON bodies; other types are left alone.
func (h *Handler) transformBody(ctx *plugin.Context) error {
	ct := ctx.Request.Header.Get("Content-Type")
	b, err := ctx.RequestBody()
	switch {
	case errors.Is(err, plugin.ErrBodyNotInMemory):
		ctx.Logger().Warn("request body left untransformed", "error", err)
		return nil
	case err != nil:
		return nil // the body is lost: the proxy answers the client
	}
	switch {
	case strings.HasPrefix(ct, "application/json"):
		m := map[string]any{}
		if len(b) > 0 && json.Unmarshal(b, &m) != nil {
			return nil // not a JSON object: leave it as the client sent it
		}
		if h.body.Apply(transform.JSON(m)) {
			out, err := json.Marshal(m)
			if err != nil {
				return err
			}
			ctx.SetRequestBody(out)
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil
		}
		if h.body.Apply(transform.Values(form)) {
			ctx.SetRequestBody([]byte(form.Encode()))
		}
	}
	return nil
}

// hostAware routes operations on the Host header to Request.Host, where Go
// keeps it.
type hostAware struct {
	transform.Header
	ctx *plugin.Context
}

func (h hostAware) Has(n string) bool {
	if strings.EqualFold(n, "host") {
		return h.ctx.Request.Host != ""
	}
	return h.Header.Has(n)
}

func (h hostAware) Set(p transform.Pair) {
	if strings.EqualFold(p.Name, "host") {
		h.ctx.Request.Host = p.Value
		return
	}
	h.Header.Set(p)
}
