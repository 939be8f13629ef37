// Package keyauth is the key-auth plugin: clients authenticate with a key
// sent in a header, the query string or the body, matched against the
// consumers' key-auth credentials.
package keyauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for key-auth.
const Priority = 1250

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "key-auth", Version: plugin.BundledVersion, Priority: Priority,
		Defaults: defaults, NoConsumer: true,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			return &Handler{cfg: cfg, ix: env.Index, challenge: plugin.Challenge("Key", cfg.Realm)}, nil
		},
	}))
}

// Handler authenticates one request per Access call.
type Handler struct {
	cfg       *Config
	ix        *plugin.Index
	challenge http.Header
}

var _ plugin.Access = (*Handler)(nil)

// Access finds the key, looks up its credential and sets the consumer.
func (h *Handler) Access(ctx *plugin.Context) error {
	if !h.cfg.RunOnPreflight && ctx.Request.Method == http.MethodOptions {
		return nil
	}
	if h.cfg.Anonymous != nil && ctx.Authenticated() {
		return nil // logical OR with an auth plugin that already succeeded
	}
	ctx.HideFromLogs(h.cfg.KeyNames...) // a key, right or wrong, never reaches log plugins
	key, duplicate := h.findKey(ctx)
	switch {
	case duplicate:
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Duplicate API key found", h.challenge)
	case key == "":
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "No API key found in request", h.challenge)
	}
	cred := h.ix.KeyAuth(key)
	if cred == nil || expired(cred) {
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Unauthorized", h.challenge)
	}
	consumer := h.ix.Consumer(entity.RefID(cred.Consumer))
	if consumer == nil {
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Unauthorized", h.challenge)
	}
	ctx.Authenticate(consumer, h.ix.Credential(cred.ID))
	return nil
}

// expired applies the credential's ttl (seconds after creation).
func expired(c *entity.KeyAuth) bool {
	return c.TTL > 0 && c.CreatedAt > 0 && time.Now().Unix() >= c.CreatedAt+int64(c.TTL)
}

// findKey searches each key name in header, query and body, in Kong's order.
func (h *Handler) findKey(ctx *plugin.Context) (key string, duplicate bool) {
	var query url.Values
	var body map[string]any
	for _, name := range h.cfg.KeyNames {
		var values []string
		if h.cfg.KeyInHeader {
			values = ctx.Request.Header.Values(name)
		}
		if len(values) == 0 && h.cfg.KeyInQuery && ctx.Request.URL.RawQuery != "" {
			if query == nil {
				query = ctx.Request.URL.Query()
			}
			values = query[name]
		}
		if len(values) == 0 && h.cfg.KeyInBody {
			if body == nil {
				body = bodyArgs(ctx)
			}
			if v, ok := body[name].(string); ok {
				values = []string{v}
			}
		}
		if len(values) > 1 {
			return "", true
		}
		if len(values) == 1 {
			if h.cfg.HideCredentials {
				h.hide(ctx, name, query, body)
			}
			return values[0], false
		}
	}
	return "", false
}

// hide removes the key name from what goes upstream: header, query and
// (when searched) body, wherever the key was found, as Kong does.
func (h *Handler) hide(ctx *plugin.Context, name string, query url.Values, body map[string]any) {
	ctx.Request.Header.Del(name)
	if query == nil && ctx.Request.URL.RawQuery != "" {
		query = ctx.Request.URL.Query()
	}
	if query != nil {
		if _, ok := query[name]; ok {
			query.Del(name)
			ctx.Request.URL.RawQuery = query.Encode()
		}
	}
	if _, ok := body[name]; ok {
		delete(body, name)
		if strings.HasPrefix(ctx.Request.Header.Get("Content-Type"), "application/json") {
			b, _ := json.Marshal(body)
			ctx.SetRequestBody(b)
			return
		}
		form := url.Values{}
		for k, v := range body {
			if s, ok := v.(string); ok {
				form.Set(k, s)
			}
		}
		ctx.SetRequestBody([]byte(form.Encode()))
	}
}

// bodyArgs decodes a form or JSON object body; anything else is empty.
func bodyArgs(ctx *plugin.Context) map[string]any {
	out := map[string]any{}
	b, err := ctx.RequestBody()
	if err != nil || len(b) == 0 {
		return out
	}
	ct := ctx.Request.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		_ = json.Unmarshal(b, &out)
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		form, _ := url.ParseQuery(string(b))
		for k, v := range form {
			if len(v) > 0 {
				out[k] = v[0]
			}
		}
	}
	return out
}
