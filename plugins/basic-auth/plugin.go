// Package basicauth is the basic-auth plugin: clients authenticate with
// HTTP Basic credentials checked against the consumers' basic-auth
// credentials, whose passwords are stored hashed.
package basicauth

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for basic-auth.
const Priority = 1100

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "basic-auth", Version: plugin.BundledVersion, Priority: Priority,
		Defaults: defaults, NoConsumer: true,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			return &Handler{cfg: cfg, ix: env.Index, challenge: plugin.Challenge("Basic", &cfg.Realm)}, nil
		},
	}))
}

// Handler authenticates one request per Access call. Passwords, presented
// or stored, are never logged.
type Handler struct {
	cfg       *Config
	ix        *plugin.Index
	challenge http.Header
}

var _ plugin.Access = (*Handler)(nil)

// Access checks the Authorization (or Proxy-Authorization) header.
func (h *Handler) Access(ctx *plugin.Context) error {
	if h.cfg.Anonymous != nil && ctx.Authenticated() {
		return nil
	}
	user, pass, ok := credentials(ctx.Request.Header.Get("Authorization"))
	if !ok {
		user, pass, ok = credentials(ctx.Request.Header.Get("Proxy-Authorization"))
	}
	if !ok {
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Unauthorized", h.challenge)
	}
	cred := h.ix.BasicAuth(user)
	if cred == nil || !checkPassword(cred.Password, pass, entity.RefID(cred.Consumer)) {
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Unauthorized", h.challenge)
	}
	consumer := h.ix.Consumer(entity.RefID(cred.Consumer))
	if consumer == nil {
		return ctx.Reject(h.ix, h.cfg.Anonymous, http.StatusUnauthorized, "Unauthorized", h.challenge)
	}
	if h.cfg.HideCredentials {
		ctx.Request.Header.Del("Authorization")
		ctx.Request.Header.Del("Proxy-Authorization")
	}
	ctx.Authenticate(consumer, h.ix.Credential(cred.ID))
	return nil
}

// credentials parses "Basic base64(user:pass)"; the scheme is case-insensitive.
func credentials(v string) (user, pass string, ok bool) {
	scheme, encoded, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found || !strings.EqualFold(scheme, "basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	return user, pass, ok && user != ""
}
