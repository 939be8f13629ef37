package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/gantryhq/gantry/internal/balancer"
)

// Gateway-made answers, with Kong's messages (docs/design.md, "Gateway-made answers").
const (
	msgNoRoute      = "no Route matched with those values"
	msgNoService    = "no Service found with those values"
	msgBadGateway   = "An invalid response was received from the upstream server"
	msgNoPeer       = "failure to get a peer from the ring-balancer"
	msgTimeout      = "The upstream server is timing out"
	msgUseHTTPS     = "Please use HTTPS protocol"
	msgUseHTTP2     = "Please use HTTP2 protocol"
	msgNotGRPC      = "Non-gRPC request matched gRPC route"
	msgGRPCNeedsTLS = "gRPC request matched gRPCs route"
	msgHeaders      = "Request header fields too large"
	msgBodyTimeout  = "Request timeout"
	msgTooLarge     = "Payload too large"
	msgBadRequest   = "Bad request"
	msgUnexpected   = "An unexpected error occurred"
	contentTypeJSON = "application/json; charset=utf-8"

	// statusClientClosed is nginx's 499, counted (never sent) when the
	// client left before the upstream answered.
	statusClientClosed = 499
)

// writeError is the one place that renders a gateway-made answer: a JSON
// body {"message": msg} with Kong's content type. st records the status
// for the counters and marks the response as started.
func writeError(w http.ResponseWriter, st *reqState, status int, msg string) {
	body := `{"message":` + strconv.Quote(msg) + `}`
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	st.status, st.responded = status, true
	setResponseLatency(h, st)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// proxyError is ReverseProxy's ErrorHandler: it maps a failed upstream
// exchange to Kong's status and message.
func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	p.upstreamError(w, r, stateOf(r.Context()), err)
}

// upstreamError answers the request st describes after a failed upstream
// exchange.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	if st.in.Context().Err() != nil && st.bodyEnd.Load() != bodyTimedOut {
		// The client went away: nobody reads an answer. Count it as
		// nginx's 499 and write nothing. (A stalled body also cancels the
		// request context, but that client still waits for its 408.)
		st.status = statusClientClosed
		return
	}
	status, msg := classify(err, st)
	if status == http.StatusRequestTimeout || status == http.StatusRequestEntityTooLarge {
		// The rest of the body may never come, or is not wanted: close
		// instead of letting the server drain it before answering.
		w.Header().Set("Connection", "close")
	}
	if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		p.log.Info("upstream request failed", "status", status, "error", err,
			"route", st.route.Route.ID, "method", r.Method, "path", r.URL.Path)
	}
	p.answer(w, st, status, msg)
}

// classify maps an upstream error to a status and message: no peer 503,
// timeouts 504, the client's body stalling 408 or going past
// Options.MaxBodyBytes while streamed 413, anything else 502.
func classify(err error, st *reqState) (int, string) {
	switch {
	case errors.Is(err, balancer.ErrNoPeer):
		return http.StatusServiceUnavailable, msgNoPeer
	case st.bodyEnd.Load() == bodyTimedOut:
		return http.StatusRequestTimeout, msgBodyTimeout
	case st.bodyEnd.Load() == bodyTooLarge:
		return http.StatusRequestEntityTooLarge, msgTooLarge
	case isTimeout(err):
		return http.StatusGatewayTimeout, msgTimeout
	}
	return http.StatusBadGateway, msgBadGateway
}

// isTimeout reports whether err is a connect, write or read timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDialError reports whether err happened while connecting, so nothing of
// the request reached the upstream and any request may be retried.
func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}
