package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// modifyResponse is ReverseProxy's ModifyResponse: it adds Gantry's
// latency headers and Via, and records the status for the counters.
func (p *Proxy) modifyResponse(res *http.Response) error {
	return p.respond(res, stateOf(res.Request.Context()))
}

// respond is modifyResponse for the request st describes.
func (p *Proxy) respond(res *http.Response, st *reqState) error {
	if res.StatusCode < 100 {
		// http.ReadResponse takes any three digits; net/http's server
		// panics on WriteHeader below 100. Kong answers 502.
		return fmt.Errorf("upstream answered with status %03d: not an HTTP status", res.StatusCode)
	}
	h := headerSetter{h: res.Header, vals: st.resVals[:0]}
	h.set("X-Gantry-Upstream-Latency", ms(st.upstreamHeaders.Sub(st.upstreamStart)))
	h.set("X-Gantry-Proxy-Latency", ms(st.upstreamStart.Sub(st.start)))
	h.appendVia(res.Header.Get("Via"))
	if st.setCookie != nil {
		res.Header.Add("Set-Cookie", st.setCookie.String())
	}
	if st.pctx != nil {
		if err := p.filterResponse(res, st); err != nil {
			return err
		}
	}
	st.status, st.responded = res.StatusCode, true
	return nil
}

// upstreamBody enforces the service's read_timeout on each read of the
// response body (nginx's proxy_read_timeout): a timer armed only while a
// Read waits cancels the attempt's context when the upstream stalls, which
// fails that read. Time spent writing to a slow client does not count.
// Close releases the attempt's context.
type upstreamBody struct {
	io.ReadCloser
	timeout time.Duration
	cancel  context.CancelFunc
	once    sync.Once
	timer   *time.Timer
}

func newUpstreamBody(rc io.ReadCloser, timeout time.Duration, cancel context.CancelFunc) io.ReadCloser {
	b := &upstreamBody{ReadCloser: rc, timeout: timeout, cancel: cancel}
	if timeout > 0 {
		b.timer = time.AfterFunc(timeout, cancel)
		b.timer.Stop()
	}
	return b
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	if b.timer == nil {
		return b.ReadCloser.Read(p)
	}
	b.timer.Reset(b.timeout)
	n, err := b.ReadCloser.Read(p)
	b.timer.Stop()
	return n, err
}

func (b *upstreamBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		if b.timer != nil {
			b.timer.Stop()
		}
		b.cancel()
	})
	return err
}
