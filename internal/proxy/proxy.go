// Package proxy is Gantry's HTTP data path: it accepts client connections
// (HTTP/1.1, HTTP/2 over TLS and h2c, WebSocket, gRPC), matches each
// request against the current config snapshot and forwards it to the
// service's upstream with retries, timeouts and Kong's forwarding headers.
//
// Plugins run around each request from the chains the snapshot carries
// (see plugins.go). The config lives behind an atomic.Pointer: a request loads the snapshot
// once and uses it to the end, so Swap never waits for, drops or disturbs
// requests in flight and never touches client connections. Upstream
// connection pools are keyed by snapshot.Service.TransportKey and outlive
// snapshots.
//
// The most common request, a body-less idempotent one to a plain-http
// service, takes a fast path (fastpath.go, h1*.go) that does on the
// request's own goroutine what httputil.ReverseProxy and http.Transport
// do with clones, traces and two goroutines per upstream connection;
// everything else (bodies, upgrades, TLS and HTTP/2 upstreams) goes
// through them. Both paths send the same bytes upstream and the same
// answer to the client (TestFastPathMatchesReverseProxy); the fast path
// is stricter about reuse: an upstream connection goes back to the pool
// only after one complete answer with an unambiguous length and nothing
// after it (no Content-Length with Transfer-Encoding, no 101, no bytes
// past the body, checked again before reuse). Options.DisableFastPath
// turns it off.
//
// Request bodies follow the route's request_buffering (spool.go). When
// true (the default, nginx's proxy_request_buffering on) the whole body is
// read before the upstream is contacted, within BodyReadTimeout between
// reads: in memory up to Options.BodyMemoryBytes, beyond that in a
// temporary file removed when the request ends. The upstream then gets a
// Content-Length, a slow client never holds an upstream connection, and a
// failed attempt can send the body again to the next peer (idempotent
// methods on any connection failure but a timeout, others only when the
// attempt wrote nothing). When false, the body streams to the upstream as
// it arrives and is repeated only after a refused connection that read
// none of it. gRPC bodies always stream.
//
// Every read of a request body is bounded (body.go, the body package):
// the client's body is cut one byte past Options.MaxBodyBytes, answered
// 413 whoever read it (the buffering, a plugin, a streamed upstream
// attempt), and plugins read it whole through the same body.Read as the
// buffering, so no more than Options.BodyMemoryBytes of it is ever held in
// memory; a plugin gets a larger body only as plugin.ErrBodyNotInMemory,
// and the body goes upstream untouched from its temporary file.
//
// Proxy-Authorization is hop-by-hop on both paths: it is for Gantry (the
// basic-auth plugin reads it) and never reaches the upstream. Kong,
// through nginx, passes it on; Gantry follows RFC 9110 §11.7.2 and
// net/http instead, so credentials meant for the gateway do not leak to
// services.
package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/snapshot"
)

// Options tunes a Proxy. Zero values take the documented defaults, which
// follow Kong's nginx settings.
type Options struct {
	// Logger receives errors and panics; nil discards them.
	Logger *slog.Logger
	// TrustedIPs are the client networks whose X-Forwarded-Proto, -Host,
	// -Port, -Path and -Prefix headers are passed on (Kong's trusted_ips),
	// and whose X-Real-IP names the client (Kong's default real_ip_header).
	// From anyone else they are overwritten. Default: none.
	TrustedIPs []netip.Prefix
	// MaxHeaderBytes caps the request line plus headers; above it the
	// client gets 431 (Go's plain-text answer). Default 32 KiB, like
	// nginx's large_client_header_buffers 4 8k.
	MaxHeaderBytes int
	// MaxHeaderCount caps the number of request header lines; above it
	// the client gets 431 JSON. Default 100 (Kong's lua_max_req_headers).
	MaxHeaderCount int
	// ReadHeaderTimeout bounds reading a request's headers. Default 60 s
	// (nginx client_header_timeout).
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds the wait between two reads of a request body;
	// when it expires the request fails with 408. Default 60 s (nginx
	// client_body_timeout).
	BodyReadTimeout time.Duration
	// IdleTimeout closes a keep-alive client connection idle that long.
	// Default 60 s (Kong's keepalive_timeout).
	IdleTimeout time.Duration
	// MaxConns caps the concurrent client connections of each listener;
	// further ones wait in the accept queue. Default 16384 (Kong's
	// worker_connections); negative means no limit.
	MaxConns int
	// BodyMemoryBytes is how much of a request body read whole (routes
	// with request_buffering = true, plugins reading the body) is kept in
	// memory; the rest goes to a temporary file in BodyTempDir, removed
	// when the request ends.
	// Default 1 MiB (nginx's client_body_buffer_size is 8k or 16k; more
	// memory spares the disk for the common small body).
	BodyMemoryBytes int
	// BodyTempDir holds request bodies beyond BodyMemoryBytes. Default
	// os.TempDir().
	BodyTempDir string
	// MaxBodyBytes caps a request body: a larger Content-Length, or a
	// body growing past it, whoever reads it, gets 413 {"message":"Payload
	// too large"}; no more than MaxBodyBytes+1 bytes of it are read.
	// Default 0, no limit, like Kong's nginx_http_client_max_body_size 0.
	MaxBodyBytes int64
	// DisableFastPath sends every request through httputil.ReverseProxy
	// and net/http's Transport, the fast path's reference: for ruling the
	// fast path out when an upstream misbehaves, and for the tests that
	// compare both paths byte for byte.
	DisableFastPath bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 32 << 10
	}
	if o.MaxHeaderCount <= 0 {
		o.MaxHeaderCount = 100
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 60 * time.Second
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.BodyMemoryBytes <= 0 {
		o.BodyMemoryBytes = 1 << 20
	}
	if o.BodyTempDir == "" {
		o.BodyTempDir = os.TempDir()
	}
	if o.MaxConns == 0 {
		o.MaxConns = 16384
	}
	return o
}

// Proxy serves client traffic from the current snapshot. Create it with New.
type Proxy struct {
	opts Options
	log  *slog.Logger
	snap atomic.Pointer[snapshot.Snapshot]

	// buffered and streaming differ only in FlushInterval: streaming
	// (response_buffering=false routes) flushes every write.
	buffered, streaming *httputil.ReverseProxy
	forward             *forwarder
	transports          transports
	stats               counters
	buffers             bufferPool

	mu       sync.Mutex // guards servers and shutdown; never taken per request
	servers  map[*http.Server]struct{}
	shutdown bool
}

// New returns a Proxy with no snapshot: until the first Swap every request
// gets 404 and TLS handshakes fail.
func New(opts Options) *Proxy {
	opts = opts.withDefaults()
	p := &Proxy{
		opts:    opts,
		log:     opts.Logger.With("component", "proxy"),
		servers: map[*http.Server]struct{}{},
	}
	p.forward = &forwarder{p: p}
	p.buffered = p.reverseProxy(0)
	p.streaming = p.reverseProxy(-1)
	return p
}

func (p *Proxy) reverseProxy(flush time.Duration) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        rewrite,
		Transport:      p.forward,
		FlushInterval:  flush,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.proxyError,
		ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
		BufferPool:     &p.buffers,
	}
}

// Swap puts next in service. Requests already running finish on the
// snapshot they started with. The previous snapshot is retired against
// next (balancers only it used are closed), so build next with
// prev = p.Current(). Upstream connection pools no service of next uses
// are closed once idle.
func (p *Proxy) Swap(next *snapshot.Snapshot) {
	prev := p.snap.Swap(next)
	if prev != nil && prev != next {
		prev.Retire(next)
	}
	p.transports.prune(next)
}

// Current returns the snapshot in service, or nil before the first Swap.
func (p *Proxy) Current() *snapshot.Snapshot { return p.snap.Load() }
