package proxy

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// clientBody enforces Options.BodyReadTimeout between two reads of a
// request body (nginx's client_body_timeout): each Read pushes the
// connection's read deadline out, and the deadline is cleared once the
// body ends so the server's own background read is not cut short.
type clientBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	st      *reqState
}

func (b *clientBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		_ = b.rc.SetReadDeadline(time.Time{})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.st.bodyTimedOut.Store(true)
		}
	}
	return n, err
}
