package plugin

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// Chain is the ordered plugin list of one route. Every phase method walks a
// slice; which instance of a plugin name runs is resolved as the walk
// reaches it, with the consumer known at that point, so plugins after an
// authentication plugin run with the consumer's configuration, as in Kong.
// Phases after access run the instances the access walk selected.
type Chain struct {
	entries []entry
	rewrite []*Instance
}

func newChain(m map[string]*entry, rewrite []*Instance) *Chain {
	c := &Chain{entries: make([]entry, 0, len(m)), rewrite: rewrite}
	for _, e := range m {
		c.entries = append(c.entries, *e)
	}
	slices.SortFunc(c.entries, func(a, b entry) int {
		if x := cmp.Compare(b.plugin.priority, a.plugin.priority); x != 0 {
			return x
		}
		return cmp.Compare(a.plugin.name, b.plugin.name)
	})
	return c
}

// Len is the number of plugin names in the chain.
func (c *Chain) Len() int { return len(c.entries) }

// Empty reports whether no plugin can run on the chain's requests (nil
// included), so the proxy can skip the plugin context altogether.
func (c *Chain) Empty() bool { return c == nil || (len(c.entries) == 0 && len(c.rewrite) == 0) }

// Rewrite runs the rewrite phase of global instances. A plugin may stop
// the request here; Access then reports it.
func (c *Chain) Rewrite(ctx *Context) {
	for _, in := range c.rewrite {
		if !in.protos.has(ctx.Protocol) {
			continue
		}
		if err := callRewrite(ctx, in); err != nil {
			ctx.fail(in, "rewrite", err)
		}
		if ctx.exited {
			return
		}
	}
}

// Access runs the access phase. It returns true when the request should go
// upstream (built from ctx.Request), false when a plugin stopped it (here
// or in Rewrite): send ctx.Response with SendExit.
//
// As in Kong, the walk goes on after a stop without calling access
// handlers, so every plugin of the request is selected and its header
// filter and log handlers see the gateway's answer (log plugins record
// 401s, cors adds its headers to them).
func (c *Chain) Access(ctx *Context) bool {
	ctx.active = ctx.active[:0]
	for i := range c.entries {
		in := c.entries[i].resolve(ctx.consumerID())
		if in == nil || !in.protos.has(ctx.Protocol) {
			continue
		}
		ctx.active = append(ctx.active, in)
		if in.access == nil || ctx.exited {
			continue
		}
		if err := callAccess(ctx, in); err != nil {
			ctx.fail(in, "access", err)
		}
	}
	return !ctx.exited
}

// HeaderFilter runs the header filter phase on ctx.Response, after
// applying headers set with SetResponseHeader. Afterwards, when ctx.Exited()
// became true (a plugin failed), send ctx.Response.Body instead of the
// upstream body.
func (c *Chain) HeaderFilter(ctx *Context) {
	if ctx.Response.Header == nil {
		ctx.Response.Header = http.Header{}
	}
	for k, v := range ctx.pending {
		ctx.Response.Header[k] = v
	}
	for _, in := range ctx.active {
		if in.header == nil {
			continue
		}
		if err := callHeader(ctx, in); err != nil {
			ctx.fail(in, "header_filter", err)
			return
		}
	}
}

// NeedsBody reports whether a selected plugin filters response bodies: the
// proxy must then buffer the upstream body and pass it to BodyFilter.
func (c *Chain) NeedsBody(ctx *Context) bool {
	for _, in := range ctx.active {
		if in.body != nil {
			return true
		}
	}
	return false
}

// BodyFilter passes the whole response body through the selected plugins
// and returns what to send. The proxy then fixes Content-Length.
func (c *Chain) BodyFilter(ctx *Context, body []byte) []byte {
	for _, in := range ctx.active {
		if in.body == nil {
			continue
		}
		out, err := callBody(ctx, in, body)
		if err != nil {
			ctx.fail(in, "body_filter", err)
			return ctx.Response.Body
		}
		body = out
	}
	return body
}

// Log runs the log phase, after the response was sent.
func (c *Chain) Log(ctx *Context) {
	for _, in := range ctx.active {
		if in.log == nil {
			continue
		}
		if err := callLog(ctx, in); err != nil {
			ctx.logError(in, "log", err)
		}
	}
}

// SendExit writes a gateway-made response (ctx.Exited()) to ctx.Writer,
// through the header and body filters of the plugins that ran.
func (c *Chain) SendExit(ctx *Context) {
	c.HeaderFilter(ctx)
	body := ctx.Response.Body
	if c.NeedsBody(ctx) {
		body = c.BodyFilter(ctx, body)
	}
	h := ctx.Writer.Header()
	for k, v := range ctx.Response.Header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	ctx.Writer.WriteHeader(ctx.Response.Status)
	if ctx.Request.Method != http.MethodHead {
		n, _ := ctx.Writer.Write(body)
		ctx.ResponseSize = int64(n)
	}
}

func (c *Context) consumerID() string {
	if c.Consumer == nil {
		return ""
	}
	return c.Consumer.ID
}

// fail turns a handler error or panic into a 500 for this request only.
func (c *Context) fail(in *Instance, phase string, err error) {
	c.logError(in, phase, err)
	c.Exit(http.StatusInternalServerError, "An unexpected error occurred", nil)
}

func (c *Context) logError(in *Instance, phase string, err error) {
	in.logger.Error("plugin failed", "phase", phase, "error", err) // the logger names the plugin and its id
}

// panicError converts a recovered value into an error.
func panicError(v any) error { return fmt.Errorf("panic: %v", v) }
