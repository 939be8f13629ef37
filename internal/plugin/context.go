package plugin

import (
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/body"
	"github.com/gantryhq/gantry/internal/entity"
)

// Context is one request as plugins see it. The proxy gets one with
// AcquireContext, fills the exported request fields, runs the phases of the
// route's Chain and gives it back with ReleaseContext.
type Context struct {
	// Request is what will be sent upstream: plugins change its headers,
	// URL (path, query) and body in place. The proxy builds the upstream
	// request from it after the access phase.
	Request *http.Request
	// Writer is the client connection; plugins should not write to it.
	Writer   http.ResponseWriter
	Route    *entity.Route   // nil when no route matched
	Service  *entity.Service // nil when the route has none
	ClientIP netip.Addr
	// Protocol is the request's protocol: "http", "https", "grpc" or "grpcs".
	Protocol string
	// Started is when the request arrived, for latencies in log phases.
	Started time.Time

	// Consumer and Credential are set by authentication plugins through
	// Authenticate; nil when the request is not authenticated.
	Consumer   *entity.Consumer
	Credential *Credential

	// Response is the response being sent: from an Exit, or filled by the
	// proxy from the upstream response before the header filter phase.
	Response Response

	// BodyLimits bound RequestBody and RequestBodySize: the proxy sets
	// them from proxy_max_body_size and proxy_body_buffer_size.
	BodyLimits body.Limits

	// Filled by the proxy before the log phase, for log plugins:
	UpstreamURI     string        // path and query sent upstream; "" when not proxied
	UpstreamLatency time.Duration // until the upstream's response headers
	ResponseSize    int64         // body bytes sent to the client

	logger  *slog.Logger
	exited  bool
	pending http.Header // response headers set during access
	reqBody reqBody     // the request body as plugins read it (body.go)
	store   []kv
	active  []*Instance
	failed  bool
	secrets []string // lower-case header and query names LogEntry redacts
}

// Response is the status and headers sent to the client, and the body for
// gateway-made answers (Exit). The proxy sets Status and Header from the
// upstream before the header filter phase; Header may be the upstream
// response's own map.
type Response struct {
	Status int
	Header http.Header
	Body   []byte // body of an Exit; the proxy streams upstream bodies
}

type kv struct {
	key   any
	value any
}

var contextPool = sync.Pool{New: func() any {
	return &Context{active: make([]*Instance, 0, 16), store: make([]kv, 0, 4), secrets: make([]string, 0, 8)}
}}

// AcquireContext returns a clean Context for one request.
func AcquireContext(w http.ResponseWriter, r *http.Request) *Context {
	c := contextPool.Get().(*Context)
	c.Writer, c.Request = w, r
	c.Started = time.Now()
	return c
}

// ReleaseContext recycles c. Nothing may use c afterwards, including
// goroutines started by log handlers (copy what they need).
func ReleaseContext(c *Context) {
	c.reqBody.close()
	active, store, pending, secrets := c.active[:0], c.store[:0], c.pending, c.secrets[:0]
	clear(c.active[:cap(c.active)])
	clear(c.store[:cap(c.store)])
	clear(pending)
	*c = Context{active: active, store: store, pending: pending, secrets: secrets}
	contextPool.Put(c)
}

// Set stores a per-request value under key (use an unexported key type,
// as with context.WithValue). It is visible to later phases.
func (c *Context) Set(key, value any) {
	for i := range c.store {
		if c.store[i].key == key {
			c.store[i].value = value
			return
		}
	}
	c.store = append(c.store, kv{key, value})
}

// Get returns the per-request value stored under key, or nil.
func (c *Context) Get(key any) any {
	for i := range c.store {
		if c.store[i].key == key {
			return c.store[i].value
		}
	}
	return nil
}

// Logger returns the logger of the running plugin.
func (c *Context) Logger() *slog.Logger { return c.logger }

// Exited reports whether a plugin stopped the request with Exit.
func (c *Context) Exited() bool { return c.exited }

// Exit stops the request: the upstream is not called, the remaining access
// handlers do not run, and the client gets status, headers and body. Like
// Kong's kong.response.exit: a string body is sent as {"message": body}, a
// []byte as is, nil as no body, anything else as JSON. The response still
// goes through the header filter and log phases of the plugins that ran.
func (c *Context) Exit(status int, body any, headers http.Header) {
	c.exited = true
	c.Response = Response{Status: status, Header: http.Header{}}
	for k, v := range headers {
		c.Response.Header[k] = v
	}
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = messageJSON(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			b = messageJSON("An unexpected error occurred")
			c.Response.Status = http.StatusInternalServerError
		}
	}
	if body != nil && c.Response.Header.Get("Content-Type") == "" {
		if _, raw := body.([]byte); !raw {
			c.Response.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
	c.Response.Body = b
	c.Response.Header.Set("Content-Length", strconv.Itoa(len(b)))
}

func messageJSON(msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	return b
}

// SetResponseHeader sets a header on the response the client will get,
// whichever it is (upstream or Exit); it may be called in the access phase,
// before the response exists, as with kong.response.set_header.
func (c *Context) SetResponseHeader(key, value string) {
	if c.pending == nil {
		c.pending = http.Header{}
	}
	c.pending.Set(key, value)
}

// CertContext is what certificate-phase handlers see.
type CertContext struct {
	Hello *tls.ClientHelloInfo
	// Certificate, when a handler sets it, is served instead of the one
	// chosen from the certificates and snis entities.
	Certificate *tls.Certificate
}
