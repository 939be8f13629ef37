package proxy

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/body"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// reqState is what one request carries from ServeHTTP through Rewrite,
// the forwarder and ModifyResponse (through the request context).
type reqState struct {
	in    *http.Request
	start time.Time
	snap  *snapshot.Snapshot
	match router.Match // the router's result, held here to spare an allocation; meaningful once route is set
	route *snapshot.Route
	up    *upstream // the connection pools of route's service

	clientIP   string     // the client: the peer, or a trusted peer's X-Real-IP
	clientAddr netip.Addr // clientIP parsed
	peerIP     string     // the address that connected to us
	path       string     // escaped request path as received, before plugins
	scheme     string     // "http" or "https" as the client used it (trusted X-Forwarded-Proto included)
	trusted    bool       // the client may set X-Forwarded-*
	serverPort string     // port the client connected to
	host       string     // Host header without port

	setCookie       *http.Cookie  // from cookie hashing, for the response
	upstreamStart   time.Time     // first attempt began
	upstreamHeaders time.Time     // response headers arrived
	status          int           // status sent to the client, for the counters
	responded       bool          // a status line went out
	bodyEnd         atomic.Uint32 // why the client body stopped short: 0, bodyTimedOut or bodyTooLarge (body.go)
	spool           *body.Buffer  // the buffered request body (spool.go); nil when streamed or absent

	// Backing arrays of the header values Gantry sets (headerSetter):
	// the upstream request's forwarding headers and the response's.
	reqVals [8]string
	resVals [3]string

	// serveFast's upstream request, and the client it answers (for
	// informational answers) while the exchange runs.
	out    http.Request
	outURL url.URL
	w      http.ResponseWriter

	// The route's plugin chain and its per-request context; nil without
	// plugins.
	chain   *plugin.Chain
	pctx    *plugin.Context
	written *countingWriter // the client writer plugins see
	host0   string          // Host before plugins, to see whether one changed it
}

// Values of reqState.bodyEnd. One word for both keeps reqState in its
// allocation size class.
const (
	bodyTimedOut uint32 = 1 + iota // Options.BodyReadTimeout expired: 408
	bodyTooLarge                   // past Options.MaxBodyBytes: 413
)

type stateKey struct{}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// ms renders a duration as whole milliseconds for latency headers.
func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// setResponseLatency sets the latency header of a gateway-made answer:
// the time since the request arrived.
func setResponseLatency(h http.Header, st *reqState) {
	h.Set("X-Gantry-Response-Latency", ms(time.Since(st.start)))
}
