// Package responsetransformer is the response-transformer plugin: it edits
// the response headers and the top-level keys of JSON response bodies with
// Kong's remove, rename, replace, add and append operations.
package responsetransformer

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/transform"
)

// Priority is Kong's priority for response-transformer.
const Priority = 800

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "response-transformer", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(c *Config, _ *plugin.Env) (plugin.Handler, error) {
			h := &Handler{
				headers: transform.NewOps(c.Remove.Headers, c.Rename.Headers, c.Replace.Headers, c.Add.Headers, c.Append.Headers),
				json:    transform.NewOps(c.Remove.JSON, c.Rename.JSON, c.Replace.JSON, c.Add.JSON, c.Append.JSON),
			}
			h.json.Replace, h.json.Add, h.json.Append = cast(h.json.Replace, c.Replace), cast(h.json.Add, c.Add), cast(h.json.Append, c.Append)
			if h.json.Empty() {
				return h, nil // no BodyFilter: responses are streamed, not buffered
			}
			return &bodyHandler{h}, nil
		},
	}))
}

// cast gives each pair its json_types value.
func cast(pairs []transform.Pair, t Typed) []transform.Pair {
	for i := range pairs {
		if i >= len(t.JSONTypes) {
			break
		}
		switch t.JSONTypes[i] {
		case "number":
			if f, err := strconv.ParseFloat(pairs[i].Value, 64); err == nil {
				pairs[i].Typed = f
			}
		case "boolean":
			pairs[i].Typed = pairs[i].Value == "true"
		}
	}
	return pairs
}

// Handler edits response headers.
type Handler struct {
	headers, json transform.Ops
}

// bodyHandler also edits JSON bodies; only instances with json operations
// are one, so only they make the proxy buffer bodies.
type bodyHandler struct{ *Handler }

var (
	_ plugin.HeaderFilter = (*Handler)(nil)
	_ plugin.BodyFilter   = (*bodyHandler)(nil)
)

type jsonKey struct{}

// HeaderFilter edits headers and, when the body will change, drops
// Content-Length.
func (h *Handler) HeaderFilter(ctx *plugin.Context) error {
	hdr := ctx.Response.Header
	h.headers.Apply(transform.Header(hdr))
	if !h.json.Empty() && isJSON(hdr.Get("Content-Type")) && hdr.Get("Content-Encoding") == "" {
		hdr.Del("Content-Length")
		ctx.Set(jsonKey{}, true)
	}
	return nil
}

// BodyFilter edits a JSON object body; anything else passes unchanged.
func (h *bodyHandler) BodyFilter(ctx *plugin.Context, body []byte) ([]byte, error) {
	if ctx.Get(jsonKey{}) == nil {
		return body, nil
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil || m == nil {
		return body, nil
	}
	if !h.json.Apply(transform.JSON(m)) {
		return body, nil
	}
	return json.Marshal(m)
}

func isJSON(ct string) bool { return strings.Contains(strings.ToLower(ct), "application/json") }
