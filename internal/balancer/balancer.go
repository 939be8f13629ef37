// Package balancer spreads requests over an upstream's targets with Kong's
// algorithms (round-robin, consistent-hashing, least-connections, latency)
// and keeps target health from active probes and passive observation.
//
// A Balancer outlives config snapshots when its upstream and targets do not
// change, so health state and counters survive unrelated config pushes.
package balancer

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
)

// ErrNoPeer means no healthy target is available ("failure to get a peer
// from the ring-balancer", 503).
var ErrNoPeer = errors.New("failure to get a peer from the ring-balancer")

// Options tunes a Balancer.
type Options struct {
	Logger *slog.Logger
	// Resolver looks up target host names; nil uses net.DefaultResolver.
	Resolver Resolver
}

// Resolver resolves a host name to IP addresses.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// PickInput is what a hash-based algorithm may hash on.
type PickInput struct {
	Request    *http.Request
	ClientIP   string
	ConsumerID string
	Captures   map[string]string
	// Tried lists peer addresses already tried for this request (retries);
	// the balancer avoids them when another is available.
	Tried []string
}

// Peer is a chosen target.
type Peer struct {
	Addr   string // "ip:port" to dial
	Target string // the target as configured, "host:port"
	Host   string // host name of the target, for the Host header when configured
	// SetCookie, when non-nil, must be added to the response (cookie hashing
	// on a request that carried no cookie).
	SetCookie *http.Cookie
}

// Result reports the outcome of a proxied attempt to a peer.
type Result struct {
	Status     int  // upstream HTTP status, 0 when no response
	TCPFailure bool // connect or I/O failure
	Timeout    bool
	LatencyMS  float64
}

// TargetHealth is one row of the upstream health endpoints.
type TargetHealth struct {
	Target  string `json:"target"`
	Weight  int    `json:"weight"`
	Health  string `json:"health"` // HEALTHY, UNHEALTHY, DNS_ERROR, HEALTHCHECKS_OFF
	Address string `json:"address,omitempty"`
}

// Balancer balances one upstream.
type Balancer struct {
	// filled by the balancer implementation
}

// New builds a balancer for up and its targets. It does no I/O; Start begins
// DNS resolution and active health checks.
func New(up *entity.Upstream, targets []*entity.Target, opts Options) (*Balancer, error) {
	return &Balancer{}, nil
}

// Start begins background work (DNS refresh, active checks) until Close.
func (b *Balancer) Start() {}

// Close stops background work and waits for it.
func (b *Balancer) Close() {}

// Pick chooses a peer. It returns ErrNoPeer when none is usable.
func (b *Balancer) Pick(in *PickInput) (Peer, error) { return Peer{}, ErrNoPeer }

// Done reports the outcome of an attempt (passive health, least-connections,
// latency). Call it exactly once per successful Pick.
func (b *Balancer) Done(p Peer, r Result) {}

// Health returns the health of every target.
func (b *Balancer) Health() []TargetHealth { return nil }
