package proxy

import (
	"errors"
	"net/http"
	"os"

	"github.com/gantryhq/gantry/internal/body"
)

// Request buffering (a route's request_buffering = true, nginx's
// proxy_request_buffering on): the whole client body is read before the
// first upstream attempt, so a slow client never holds an upstream
// connection, the upstream gets a Content-Length, and a retry can send the
// body again to the next peer. The body is read by body.Read, within
// Options.MaxBodyBytes and Options.BodyMemoryBytes, as plugins read it.

// hasBody reports whether r carries a request body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// bodyLimits are the bounds of every full read of a request body.
func (p *Proxy) bodyLimits() body.Limits {
	return body.Limits{Max: p.opts.MaxBodyBytes, Memory: p.opts.BodyMemoryBytes, TempDir: p.opts.BodyTempDir}
}

// readBody runs before the upstream is contacted: it refuses a body whose
// Content-Length is over Options.MaxBodyBytes (any route) and, when the
// route buffers requests, reads the body into st.spool and makes r carry
// its length. It reports false after answering the client itself; the
// caller closes st.spool when the request ends.
func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	if max := p.opts.MaxBodyBytes; max > 0 && r.ContentLength > max {
		p.bodyFailed(w, r, st, body.ErrTooLarge)
		return false
	}
	if !st.route.Route.RequestBuffering || st.route.Service.GRPC {
		return true // gRPC streams both ways, as nginx's grpc_pass does
	}
	b, err := p.bufferBody(r, st)
	if err != nil {
		p.bodyFailed(w, r, st, err)
		return false
	}
	r.ContentLength, r.TransferEncoding = b.Size(), nil
	if b.Size() == 0 {
		r.Body = http.NoBody // a chunked nothing: the request is bodyless
	} else {
		st.spool = b
	}
	return true
}

// bufferBody reads r's body whole, or takes the one the plugins already
// read or set: a body they spilled to a file is not copied to another.
func (p *Proxy) bufferBody(r *http.Request, st *reqState) (*body.Buffer, error) {
	if st.pctx == nil || st.pctx.BufferedBody() == nil {
		return body.Read(r.Body, r.ContentLength, p.bodyLimits())
	}
	b := st.pctx.BufferedBody()
	if max := p.opts.MaxBodyBytes; max > 0 && b.Size() > max {
		return nil, body.ErrTooLarge // one a plugin set
	}
	return b, nil
}

// bodyFailed answers a request whose body could not be read in full,
// by the proxy or by a plugin: 408 when the client stalled, 413 past
// Options.MaxBodyBytes, 500 when the temporary file failed, nothing when
// the client left, else 400.
func (p *Proxy) bodyFailed(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	var pe *os.PathError
	switch {
	case st.bodyEnd.Load() == bodyTimedOut:
		w.Header().Set("Connection", "close")
		p.answer(w, st, http.StatusRequestTimeout, msgBodyTimeout)
	case errors.Is(err, body.ErrTooLarge):
		w.Header().Set("Connection", "close") // the rest of the body stays unread
		p.answer(w, st, http.StatusRequestEntityTooLarge, msgTooLarge)
	case errors.As(err, &pe):
		p.log.Error("buffering a request body", "error", err, "route", st.route.Route.ID)
		p.answer(w, st, http.StatusInternalServerError, msgUnexpected)
	case r.Context().Err() != nil:
		st.status = statusClientClosed // nobody reads an answer
	default:
		w.Header().Set("Connection", "close")
		p.answer(w, st, http.StatusBadRequest, msgBadRequest)
	}
}
