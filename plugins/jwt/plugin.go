// Package jwt is the jwt plugin: clients authenticate with a signed JSON
// Web Token whose key claim (iss by default) names one of the consumers'
// jwt credentials, which holds the secret or public key to verify it.
package jwt

import (
	"encoding/base64"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for jwt.
const Priority = 1450

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "jwt", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults, NoConsumer: true,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			return &Handler{cfg: cfg, ix: env.Index, challenge: plugin.Challenge("Bearer", cfg.Realm)}, nil
		},
	}))
}

// Handler verifies tokens. Keys parsed from credentials are cached per
// credential for the life of the snapshot.
type Handler struct {
	cfg       *Config
	ix        *plugin.Index
	challenge http.Header
	keys      sync.Map // *entity.JWT → verification key (or error)
}

var _ plugin.Access = (*Handler)(nil)

// Access authenticates the request or rejects it with Kong's messages.
func (h *Handler) Access(ctx *plugin.Context) error {
	if !h.cfg.RunOnPreflight && ctx.Request.Method == http.MethodOptions {
		return nil
	}
	if h.cfg.Anonymous != nil && ctx.Authenticated() {
		return nil
	}
	status, body := h.authenticate(ctx)
	if status == 0 {
		return nil
	}
	if h.cfg.Anonymous != nil && *h.cfg.Anonymous != "" {
		return ctx.Reject(h.ix, h.cfg.Anonymous, status, "", nil)
	}
	ctx.Exit(status, body, h.challenge)
	return nil
}

// authenticate returns 0 on success, else the status and body to answer.
func (h *Handler) authenticate(ctx *plugin.Context) (int, any) {
	// A token, valid or not, never reaches log plugins.
	ctx.HideFromLogs(h.cfg.URIParamNames...)
	ctx.HideFromLogs(h.cfg.HeaderNames...)
	if len(h.cfg.CookieNames) > 0 {
		ctx.HideFromLogs("cookie")
	}
	raw, multiple := h.findToken(ctx.Request)
	switch {
	case multiple:
		return 401, "Multiple tokens provided"
	case raw == "":
		return 401, "Unauthorized"
	}
	tok, err := decode(raw)
	if err != nil {
		return 401, "Bad token; " + err.Error()
	}
	name := h.cfg.KeyClaimName
	keyVal, ok := tok.claims[name]
	if !ok {
		keyVal, ok = tok.header[name]
	}
	if !ok {
		return 401, "No mandatory '" + name + "' in claims"
	}
	key, _ := keyVal.(string)
	if key == "" {
		return 401, "Invalid '" + name + "' in claims"
	}
	cred := h.ix.JWT(key)
	if cred == nil {
		return 401, "No credentials found for given '" + name + "'"
	}
	if cred.Algorithm != tok.alg() {
		return 401, "Invalid algorithm"
	}
	vkey := h.verificationKey(cred)
	if vkey == nil {
		return 401, "Invalid key/secret"
	}
	if !tok.verify(vkey) {
		return 401, "Invalid signature"
	}
	if errs := h.checkClaims(tok); len(errs) > 0 {
		return 401, errs
	}
	consumer := h.ix.Consumer(entity.RefID(cred.Consumer))
	if consumer == nil {
		return 401, "Unauthorized"
	}
	ctx.Authenticate(consumer, h.ix.Credential(cred.ID))
	return 0, nil
}

// findToken looks in the query, then cookies, then headers ("Bearer x").
func (h *Handler) findToken(r *http.Request) (tok string, multiple bool) {
	var found []string
	if len(h.cfg.URIParamNames) > 0 && r.URL.RawQuery != "" {
		q := r.URL.Query()
		for _, n := range h.cfg.URIParamNames {
			found = append(found, q[n]...)
		}
	}
	for _, n := range h.cfg.CookieNames {
		if c, err := r.Cookie(n); err == nil && c.Value != "" {
			found = append(found, c.Value)
		}
	}
	for _, n := range h.cfg.HeaderNames {
		if v := r.Header.Get(n); v != "" {
			if scheme, t, ok := strings.Cut(strings.TrimSpace(v), " "); ok && strings.EqualFold(scheme, "bearer") {
				found = append(found, strings.TrimSpace(t))
			}
		}
	}
	switch {
	case len(found) == 0:
		return "", false
	case len(found) > 1:
		for _, f := range found[1:] {
			if f != found[0] {
				return "", true
			}
		}
	}
	return found[0], false
}

// verificationKey returns the HMAC secret or parsed public key; nil when
// the credential has none usable.
func (h *Handler) verificationKey(cred *entity.JWT) any {
	if v, ok := h.keys.Load(cred); ok {
		return v
	}
	var key any
	if strings.HasPrefix(cred.Algorithm, "HS") {
		secret := []byte(cred.Secret)
		if h.cfg.SecretIsBase64 {
			b, err := base64.StdEncoding.DecodeString(cred.Secret)
			if err != nil {
				return nil
			}
			secret = b
		}
		if len(secret) > 0 {
			key = secret
		}
	} else if k, err := parsePublicKey(cred.RSAPublicKey); err == nil {
		key = k
	}
	if key == nil {
		return nil
	}
	h.keys.Store(cred, key)
	return key
}

// checkClaims verifies claims_to_verify and maximum_expiration; the result
// is Kong's error object, {"exp": "token expired"}.
func (h *Handler) checkClaims(tok *token) map[string]string {
	errs := map[string]string{}
	now := float64(time.Now().Unix())
	for _, c := range h.cfg.ClaimsToVerify {
		v, present := tok.claims[c]
		n, isNum := v.(float64)
		switch {
		case !present:
			errs[c] = "must be a number"
		case !isNum || math.IsNaN(n):
			errs[c] = "must be a number"
		case c == "exp" && n <= now:
			errs[c] = "token expired"
		case c == "nbf" && n > now:
			errs[c] = "token not valid yet"
		}
	}
	if h.cfg.MaximumExpiration > 0 && errs["exp"] == "" {
		if exp, ok := tok.claims["exp"].(float64); ok && exp-now > h.cfg.MaximumExpiration {
			errs["exp"] = "exceeds maximum allowed expiration"
		}
	}
	return errs
}
