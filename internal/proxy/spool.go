package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// Request buffering (a route's request_buffering = true, nginx's
// proxy_request_buffering on): the whole client body is read before the
// first upstream attempt, so a slow client never holds an upstream
// connection, the upstream gets a Content-Length, and a retry can send the
// body again to the next peer.

// errBodyTooLarge is a body over Options.MaxBodyBytes.
var errBodyTooLarge = errors.New("request body exceeds the proxy's MaxBodyBytes")

// spooledBody is a request body read in full: in memory up to
// Options.BodyMemoryBytes, beyond that in a temporary file that close
// removes. Each attempt reads it through its own reader, so an abandoned
// attempt still reading cannot disturb the next one.
type spooledBody struct {
	mem  []byte
	file *os.File // nil when the body fit in memory
	size int64
}

// spool reads all of r, which announced length (-1 when unknown). It fails
// with errBodyTooLarge past max (0: no limit), with the client's read error,
// or with a temporary file's error.
func spool(r io.Reader, length int64, memMax int, max int64, dir string) (*spooledBody, error) {
	hint := bytes.MinRead
	if length > 0 && length <= int64(memMax) {
		hint += int(length) // the whole body and EOF without growing
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint))
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(memMax)+1)); err != nil {
		return nil, err
	}
	b := &spooledBody{mem: buf.Bytes(), size: int64(buf.Len())}
	if max > 0 && b.size > max {
		return nil, errBodyTooLarge
	}
	if b.size <= int64(memMax) {
		return b, nil
	}
	f, err := os.CreateTemp(dir, "gantry-body-*")
	if err != nil {
		return nil, fmt.Errorf("spilling a request body beyond %d bytes to disk: %w", memMax, err)
	}
	b.file, b.mem = f, nil
	rest := r
	if max > 0 {
		rest = io.LimitReader(r, max+1-b.size)
	}
	if _, err = f.Write(buf.Bytes()); err == nil {
		var n int64
		n, err = io.Copy(onlyWriter{f}, rest)
		b.size += n
	}
	if err == nil && max > 0 && b.size > max {
		err = errBodyTooLarge
	}
	if err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// onlyWriter hides the file's ReadFrom, so io.Copy reads the client body
// itself (through its deadline wrapper) rather than hand it to sendfile.
type onlyWriter struct{ io.Writer }

// reader returns a reader over the whole body for one attempt.
func (b *spooledBody) reader() io.ReadCloser {
	if b.file != nil {
		return io.NopCloser(io.NewSectionReader(b.file, 0, b.size))
	}
	return io.NopCloser(bytes.NewReader(b.mem))
}

// getBody is http.Request.GetBody: the Transport's own retries on a
// reused connection rewind the body with it.
func (b *spooledBody) getBody() (io.ReadCloser, error) { return b.reader(), nil }

// close removes the temporary file, if any. A transport goroutine still
// reading an abandoned attempt's body then gets an error, not a crash.
func (b *spooledBody) close() {
	if b.file != nil {
		_ = b.file.Close()
		_ = os.Remove(b.file.Name())
	}
}

// hasBody reports whether r carries a request body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// readBody runs before the upstream is contacted: it refuses a body whose
// Content-Length is over Options.MaxBodyBytes (any route) and, when the
// route buffers requests, reads the body into st.spool and makes r carry
// its length. It reports false after answering the client itself; the
// caller closes st.spool when the request ends.
func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	if max := p.opts.MaxBodyBytes; max > 0 && r.ContentLength > max {
		w.Header().Set("Connection", "close") // the body stays unread
		p.answer(w, st, http.StatusRequestEntityTooLarge, msgTooLarge)
		return false
	}
	if !st.route.Route.RequestBuffering || st.route.Service.GRPC {
		return true // gRPC streams both ways, as nginx's grpc_pass does
	}
	b, err := spool(r.Body, r.ContentLength, p.opts.BodyMemoryBytes, p.opts.MaxBodyBytes, p.opts.BodyTempDir)
	if err == nil {
		r.ContentLength, r.TransferEncoding = b.size, nil
		if b.size == 0 {
			r.Body = http.NoBody // a chunked nothing: the request is bodyless
		} else {
			st.spool = b
		}
		return true
	}
	var pe *os.PathError
	switch {
	case st.bodyTimedOut.Load():
		w.Header().Set("Connection", "close")
		p.answer(w, st, http.StatusRequestTimeout, msgBodyTimeout)
	case errors.Is(err, errBodyTooLarge):
		w.Header().Set("Connection", "close")
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
	return false
}
