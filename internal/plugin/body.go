package plugin

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gantryhq/gantry/internal/body"
)

// Plugins read the request body only through RequestBody and
// RequestBodySize, which read it with body.Read within Context.BodyLimits:
// never more than proxy_max_body_size bytes, never more than
// proxy_body_buffer_size of it in memory. A plugin does not read
// Request.Body itself.

// ErrBodyTooLarge is a request body over proxy_max_body_size. The proxy
// answers such a request 413 itself, whatever the plugins answered.
var ErrBodyTooLarge = body.ErrTooLarge

// ErrBodyNotInMemory is RequestBody's answer for a body larger than
// proxy_body_buffer_size: it was kept in a temporary file and goes
// upstream as the client sent it (or as SetRequestBody replaces it), but
// is not handed to plugins as bytes. Kong's get_raw_body does the same
// for a body beyond client_body_buffer_size.
var ErrBodyNotInMemory = errors.New("request body larger than proxy_body_buffer_size; raise it for plugins to read such bodies")

// errBodyCut is a body RequestBodySize stopped reading at its caller's
// limit: it is lost unless that plugin answers the request.
var errBodyCut = errors.New("request body over a plugin's size limit was not read in full")

// reqBody is the request body as the plugins of one request read it.
type reqBody struct {
	read bool         // the client's body was read, or replaced with SetRequestBody
	buf  *body.Buffer // the body read or set; nil when there is none. Closed with the Context
	err  error        // why the body could not be read
}

func (b *reqBody) close() {
	if b.buf != nil {
		b.buf.Close()
	}
}

// RequestBody reads the whole request body once and keeps it, so several
// plugins can inspect it and the proxy still sends it upstream.
//
// A body larger than proxy_body_buffer_size gives ErrBodyNotInMemory:
// leave it alone. Any other error means the body could not be read (over
// proxy_max_body_size, a stalled or broken client): the proxy answers the
// client itself once the access phase ends (413, 408, 400), so a handler
// should just return without answering.
func (c *Context) RequestBody() ([]byte, error) {
	if !c.reqBody.read {
		c.readBody(0)
	}
	b := &c.reqBody
	if b.err != nil || b.buf == nil {
		return nil, b.err
	}
	mem, ok := b.buf.Bytes()
	if !ok {
		return nil, ErrBodyNotInMemory
	}
	return mem, nil
}

// RequestBodySize reads the request body as RequestBody does, but reads
// no more than limit+1 bytes of it (limit > 0), for a plugin that only
// needs the size: it returns the body's length, or limit+1 for a longer
// body, which is then cut and the plugin must answer the request. Errors
// are RequestBody's, ErrBodyNotInMemory aside.
func (c *Context) RequestBodySize(limit int64) (int64, error) {
	if !c.reqBody.read {
		c.readBody(limit)
	}
	b := &c.reqBody
	switch {
	case b.err == errBodyCut: // lost, so over any limit
		return limit + 1, nil
	case b.err != nil:
		return 0, b.err
	case b.buf == nil:
		return 0, nil
	}
	return min(b.buf.Size(), limit+1), nil
}

// readBody reads the client's body within c.BodyLimits, and within limit
// bytes when that is smaller (0: no limit of the caller's).
func (c *Context) readBody(limit int64) {
	b := &c.reqBody
	b.read = true
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	l := c.BodyLimits
	cut := limit > 0 && (l.Max <= 0 || limit < l.Max)
	if cut {
		l.Max = limit
	}
	buf, err := body.Read(r.Body, r.ContentLength, l)
	switch {
	case cut && errors.Is(err, body.ErrTooLarge):
		b.err = errBodyCut
		return
	case err != nil:
		b.err = err
		return
	}
	// Closing a body read only in part would have the server drop the
	// connection before the client reads the proxy's answer.
	r.Body.Close()
	b.buf = buf
	r.Body = buf.Reader()
}

// BufferedBody is the request body the plugins read whole or set with
// SetRequestBody, nil when they did neither: the proxy's request
// buffering sends it upstream rather than read it into a second buffer.
// It stays c's, closed by ReleaseContext; closing it sooner is fine.
func (c *Context) BufferedBody() *body.Buffer { return c.reqBody.buf }

// BodyError reports why the plugins could not read the request body, nil
// when they read it in full or never tried. The proxy answers such a
// request itself after the access phase, except when a plugin that cut
// the body at its own limit answered.
func (c *Context) BodyError() error {
	if c.reqBody.err == errBodyCut && c.exited {
		return nil
	}
	return c.reqBody.err
}

// SetRequestBody replaces the body sent upstream and its Content-Length.
func (c *Context) SetRequestBody(b []byte) {
	rb := &c.reqBody
	rb.close() // a body spilled to a file is not needed any more
	rb.read, rb.buf = true, body.FromBytes(b)
	c.Request.Body = rb.buf.Reader()
	c.Request.ContentLength = int64(len(b))
	c.Request.Header.Set("Content-Length", strconv.Itoa(len(b)))
}
