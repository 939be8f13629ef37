package proxy

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gantryhq/gantry/internal/body"
)

// clientBody is the request body as everything on the request path reads
// it: the proxy's buffering, plugins, and the upstream attempts of a
// streamed body. It caps the bytes read at Options.MaxBodyBytes
// (body.Limited), so a reader that does not bound itself still stops
// there, and enforces Options.BodyReadTimeout between two reads (nginx's
// client_body_timeout). One allocation holds both.
type clientBody struct {
	body.Limited // reads timed
	timed        timedBody
}

func newClientBody(rc io.ReadCloser, w http.ResponseWriter, timeout time.Duration, max int64, st *reqState) *clientBody {
	b := &clientBody{timed: timedBody{ReadCloser: rc, rc: http.NewResponseController(w), timeout: timeout, st: st}}
	b.Limited = body.Limited{R: &b.timed, Max: max}
	return b
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.Limited.Read(p)
	if err == body.ErrTooLarge {
		b.timed.st.bodyEnd.Store(bodyTooLarge)
	}
	return n, err
}

func (b *clientBody) Close() error { return b.timed.Close() }

// timedBody pushes the connection's read deadline out on each Read, and
// clears it once the body ends so the server's own background read is not
// cut short.
type timedBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	st      *reqState
}

func (b *timedBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		_ = b.rc.SetReadDeadline(time.Time{})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.st.bodyEnd.Store(bodyTimedOut)
		}
	}
	return n, err
}
