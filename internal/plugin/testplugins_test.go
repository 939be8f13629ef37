package plugin_test

import (
	"crypto/tls"
	"errors"
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Test-only plugins, registered at init like real ones.
//   - test-tag (priority 500): sends X-Tag: <config.value> upstream, so a
//     test sees which instance of the name won.
//   - test-early (priority 2000): same with X-Early, runs before auth.
//   - test-auth (priority 1000): authenticates the consumer named by the
//     X-Who header, 401 otherwise.
//   - test-fail (priority 100): panics or errors in the phase config.phase.
func init() {
	plugin.Register(tagPlugin("test-tag", "X-Tag", 500))
	plugin.Register(tagPlugin("test-early", "X-Early", 2000))
	plugin.Register(plugin.New(plugin.Spec[struct{}]{
		Name: "test-auth", Version: "1.2.3", Priority: 1000, NoConsumer: true,
		Defaults: func() *struct{} { return &struct{}{} },
		New: func(_ *struct{}, env *plugin.Env) (plugin.Handler, error) {
			return &authHandler{ix: env.Index}, nil
		},
	}))
	plugin.Register(plugin.New(plugin.Spec[tagConfig]{
		Name: "test-rewrite", Version: "1.0.0", Priority: 3000,
		Defaults: func() *tagConfig { return &tagConfig{Value: "default"} },
		New: func(c *tagConfig, _ *plugin.Env) (plugin.Handler, error) {
			return &rewriteHandler{value: c.Value}, nil
		},
	}))
	plugin.Register(plugin.New(plugin.Spec[failConfig]{
		Name: "test-cert", Version: "1.0.0", Priority: 50,
		Defaults: func() *failConfig { return &failConfig{Mode: "ok"} },
		New: func(c *failConfig, _ *plugin.Env) (plugin.Handler, error) {
			return &certHandler{mode: c.Mode}, nil
		},
	}))
	plugin.Register(plugin.New(plugin.Spec[failConfig]{
		Name: "test-fail", Version: "1.0.0", Priority: 100,
		Defaults: func() *failConfig { return &failConfig{Phase: "access", Mode: "panic"} },
		New: func(c *failConfig, _ *plugin.Env) (plugin.Handler, error) {
			return &failHandler{cfg: c}, nil
		},
	}))
}

type tagConfig struct {
	Value  string   `json:"value"`
	Nested tagInner `json:"nested"`
	Limit  int      `json:"limit"`
	List   []string `json:"list"`
}

type tagInner struct {
	Flag bool `json:"flag"`
}

// Validate rejects a negative limit, to exercise ConfigValidator.
func (c *tagConfig) Validate() entity.Errors {
	var errs entity.Errors
	if c.Limit < 0 {
		errs.Add("limit", "value must be greater than -1")
	}
	return errs
}

type tagHandler struct {
	header string
	value  string
}

var _ plugin.Access = (*tagHandler)(nil)

func (h *tagHandler) Access(ctx *plugin.Context) error {
	ctx.Request.Header.Set(h.header, h.value)
	ctx.SetResponseHeader(h.header, h.value)
	return nil
}

func tagPlugin(name, header string, prio int) *plugin.Plugin {
	return plugin.New(plugin.Spec[tagConfig]{
		Name: name, Version: "1.0.0", Priority: prio,
		Defaults: func() *tagConfig { return &tagConfig{Value: "default", Limit: 5} },
		New: func(c *tagConfig, _ *plugin.Env) (plugin.Handler, error) {
			return &tagHandler{header: header, value: c.Value}, nil
		},
	})
}

type authHandler struct{ ix *plugin.Index }

var _ plugin.Access = (*authHandler)(nil)

func (h *authHandler) Access(ctx *plugin.Context) error {
	c := h.ix.ConsumerByAny(ctx.Request.Header.Get("X-Who"))
	if c == nil {
		ctx.Exit(http.StatusUnauthorized, "Unauthorized", http.Header{"Www-Authenticate": {"Test"}})
		return nil
	}
	ctx.Authenticate(c, &plugin.Credential{ID: "cred-" + c.ID, ConsumerID: c.ID, Identifier: "ident-" + c.Username})
	return nil
}

type failConfig struct {
	Phase string `json:"phase"`
	Mode  string `json:"mode"` // "panic" or "error"
}

type failHandler struct{ cfg *failConfig }

var (
	_ plugin.Access       = (*failHandler)(nil)
	_ plugin.HeaderFilter = (*failHandler)(nil)
	_ plugin.Log          = (*failHandler)(nil)
	_ plugin.BodyFilter   = (*failHandler)(nil)
)

func (h *failHandler) fail(phase string) error {
	if h.cfg.Phase != phase {
		return nil
	}
	if h.cfg.Mode == "error" {
		return errors.New("test-fail error in " + phase)
	}
	panic("test-fail panic in " + phase)
}

// Rewrite fails only requests carrying X-Fail: a global rewrite instance
// runs on every route, and the test needs a healthy request after it.
func (h *failHandler) Rewrite(ctx *plugin.Context) error {
	if ctx.Request.Header.Get("X-Fail") == "" {
		return nil
	}
	return h.fail("rewrite")
}

func (h *failHandler) Access(*plugin.Context) error       { return h.fail("access") }
func (h *failHandler) HeaderFilter(*plugin.Context) error { return h.fail("header_filter") }
func (h *failHandler) Log(*plugin.Context)                { _ = h.fail("log") }
func (h *failHandler) BodyFilter(_ *plugin.Context, b []byte) ([]byte, error) {
	return b, h.fail("body_filter")
}

// certHandler serves a fixed certificate, or panics with mode "panic".
type certHandler struct{ mode string }

var _ plugin.Certificate = (*certHandler)(nil)

func (h *certHandler) Certificate(cc *plugin.CertContext) error {
	if h.mode == "panic" {
		panic("test-cert panic")
	}
	cc.Certificate = &tls.Certificate{OCSPStaple: []byte(cc.Hello.ServerName)}
	return nil
}

// rewriteHandler sends X-Rewrite: <value> upstream, or stops the request
// with 403 when the value is "stop".
type rewriteHandler struct{ value string }

var _ plugin.Rewrite = (*rewriteHandler)(nil)

func (h *rewriteHandler) Rewrite(ctx *plugin.Context) error {
	if h.value == "stop" {
		ctx.Exit(http.StatusForbidden, "stopped in rewrite", nil)
		return nil
	}
	ctx.Request.Header.Add("X-Rewrite", h.value)
	return nil
}
