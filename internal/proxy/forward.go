package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// forwarder is the ReverseProxy's Transport: it runs the attempts of one
// request, picking a peer for each, reporting every outcome to the
// balancer and retrying connection failures up to the service's retries.
type forwarder struct{ p *Proxy }

// RoundTrip sends out to the service's upstream.
//
// A failed attempt is retried (with a new peer) when the failure happened
// while connecting, since nothing reached the upstream then, or when the
// connection broke before a response for an idempotent request whose body
// was not read. A buffered body (request_buffering) is sent again: always
// for idempotent methods, for others only when the attempt failed before
// writing any of the request. Timeouts waiting for a response are not retried: the
// client gets 504 after one read_timeout, not after retries+1 of them.
func (f *forwarder) RoundTrip(out *http.Request) (*http.Response, error) {
	return f.roundTrip(out, stateOf(out.Context()))
}

// roundTrip is RoundTrip for the request st describes.
func (f *forwarder) roundTrip(out *http.Request, st *reqState) (*http.Response, error) {
	svc, up := st.route.Service, st.up
	var body *trackedBody
	if st.spool == nil && out.Body != nil && out.Body != http.NoBody {
		body = &trackedBody{r: out.Body}
	}
	fast := !f.p.opts.DisableFastPath && body == nil && st.spool == nil && h1Takes(up, out)
	host := out.Host
	st.upstreamStart = time.Now()
	var (
		lastErr error
		tried   []string
	)
	for attempt := 0; attempt <= svc.Service.Retries; attempt++ {
		peer, err := pick(st, svc, tried)
		if err != nil {
			if lastErr != nil {
				return nil, lastErr
			}
			return nil, err
		}
		t0 := st.upstreamStart
		if attempt > 0 {
			t0 = time.Now()
		}
		var (
			res   *http.Response
			wrote *atomic.Bool // with a buffered body: a byte of this attempt may have reached the peer
		)
		if fast {
			out.URL.Host, out.Host = peer.Addr, attemptHost(host, peer, svc)
			res, err = up.h1.exchange(out.Context(), out, peer.Addr, svc.ReadTimeout, st.w)
		} else {
			if st.spool != nil {
				wrote = new(atomic.Bool)
			}
			req, cancel := attemptRequest(out, st, svc, peer, body, wrote)
			res, err = up.std.RoundTrip(req)
			if err != nil {
				cancel()
			} else if res.StatusCode != http.StatusSwitchingProtocols {
				res.Body = newUpstreamBody(res.Body, svc.ReadTimeout, cancel)
			}
		}
		now := time.Now()
		latency := float64(now.Sub(t0).Microseconds()) / 1000
		if err == nil {
			st.upstreamHeaders = now
			done(svc, peer, balancer.Result{Status: res.StatusCode, LatencyMS: latency})
			st.setCookie = peer.SetCookie
			return res, nil
		}
		result := balancer.Result{LatencyMS: latency}
		if out.Context().Err() == nil { // a client that left says nothing about the peer
			result.Timeout = isTimeout(err)
			result.TCPFailure = !result.Timeout
		}
		done(svc, peer, result)
		lastErr = err
		if !retryable(err, out, body, st.spool != nil, wrote != nil && wrote.Load()) {
			break
		}
		tried = append(tried, peer.Addr)
		f.p.log.Debug("retrying upstream request", "peer", peer.Addr, "attempt", attempt+1, "error", err)
	}
	return nil, lastErr
}

// pick chooses the peer of one attempt: from the upstream's balancer, or
// the service's own host:port.
func pick(st *reqState, svc *snapshot.Service, tried []string) (balancer.Peer, error) {
	if svc.Upstream == nil {
		return balancer.Peer{Addr: svc.Addr, Target: svc.Addr}, nil
	}
	in := &balancer.PickInput{Request: st.in, ClientIP: st.clientIP, Tried: tried, Captures: st.match.Captures}
	if st.pctx != nil && st.pctx.Consumer != nil {
		in.ConsumerID = st.pctx.Consumer.ID
	}
	return svc.Upstream.Balancer.Pick(in)
}

func done(svc *snapshot.Service, peer balancer.Peer, r balancer.Result) {
	if svc.Upstream != nil {
		svc.Upstream.Balancer.Done(peer, r)
	}
}

// attemptRequest copies out for one attempt at peer; each attempt gets its
// own request and context so an abandoned attempt cannot race the next.
//
// A buffered body (st.spool) is read afresh by every attempt, and the
// attempt marks wrote once it starts writing the request.
func attemptRequest(out *http.Request, st *reqState, svc *snapshot.Service, peer balancer.Peer, body *trackedBody, wrote *atomic.Bool) (*http.Request, context.CancelFunc) {
	host := attemptHost(out.Host, peer, svc)
	ctx, cancel := context.WithCancel(out.Context())
	if svc.TLS != nil {
		ctx = context.WithValue(ctx, sniKey{}, sniFor(host))
	}
	if st.spool != nil {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteHeaderField: func(string, []string) { wrote.Store(true) },
		})
	}
	req := out.WithContext(ctx)
	u := *out.URL
	u.Host = peer.Addr
	req.URL = &u
	req.Host = host
	if body != nil {
		req.Body = body
	}
	if st.spool != nil {
		req.Body, req.GetBody, req.ContentLength = st.spool.Reader(), st.spool.GetBody, st.spool.Size()
	}
	return req, cancel
}

// attemptHost is the Host header of an attempt at peer: the one Rewrite
// chose, or for upstream targets the peer's.
func attemptHost(host string, peer balancer.Peer, svc *snapshot.Service) string {
	if host == "" {
		return targetHost(peer, svc.Scheme)
	}
	return host
}

// targetHost is the Host header for a target: its host name, with the
// port unless it is the scheme's default (Kong's rule).
func targetHost(peer balancer.Peer, scheme string) string {
	host, port, err := net.SplitHostPort(peer.Target)
	if err != nil {
		return peer.Target
	}
	if peer.Host != "" {
		host = peer.Host
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		return host
	}
	return net.JoinHostPort(host, port)
}

// retryable reports whether a failed attempt may be repeated. body is a
// streamed request body; buffered says the body was read in full first
// (it can be sent again), and wrote that the attempt began writing the
// request.
func retryable(err error, out *http.Request, body *trackedBody, buffered, wrote bool) bool {
	if out.Context().Err() != nil {
		return false // the client went away
	}
	sent := body != nil && body.n.Load() > 0
	if isDialError(err) {
		return !sent
	}
	if isTimeout(err) || sent {
		return false
	}
	if buffered {
		// As without a body, except that a non-idempotent request is
		// repeated only if none of it may have reached the peer.
		return idempotent(out.Method) || !wrote
	}
	return body == nil && idempotent(out.Method)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// trackedBody hands the client's body to successive attempts and counts
// what was read, which decides whether a retry is still possible. Close is
// a no-op: the transport closes a request body on failure, and a retry
// needs it open; the server closes the real body after the handler.
type trackedBody struct {
	r io.ReadCloser
	n atomic.Int64 // the transport may still read after RoundTrip failed
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *trackedBody) Close() error { return nil }
