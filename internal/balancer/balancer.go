// Package balancer spreads requests over an upstream's targets with Kong's
// algorithms (round-robin, consistent-hashing, least-connections, latency)
// and keeps target health from active probes and passive observation.
//
// A Balancer outlives config snapshots when its upstream and targets do not
// change (see Key), so health state and counters survive unrelated config
// pushes.
//
// The request path (Pick, Done) takes no lock shared by all requests: it loads
// an immutable view of the usable addresses through an atomic pointer and
// updates per-address atomics. The view is rebuilt, under a mutex that only
// DNS refreshes and health transitions take, when the set of usable addresses
// changes.
package balancer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

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
	// DNSRefresh is how often host-name targets are resolved again; 0 means
	// 30 s.
	DNSRefresh time.Duration
	// DNSTimeout bounds one round of lookups, including the first one that
	// Start waits for; 0 means 2 s.
	DNSTimeout time.Duration
	// RootCAs verifies targets' certificates in https active checks when
	// https_verify_certificate is on; nil uses the system roots.
	RootCAs *x509.CertPool
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
	// Host is the upstream's host_header when set, else the target's host
	// name: what Kong sends as Host when the route does not preserve it.
	Host string
	// SetCookie, when non-nil, must be added to the response (cookie hashing
	// on a request that carried no cookie).
	SetCookie *http.Cookie

	p *peer // the address picked, so Done needs no lookup
}

// Result reports the outcome of a proxied attempt to a peer.
type Result struct {
	Status     int  // upstream HTTP status, 0 when no response
	TCPFailure bool // connect or I/O failure
	Timeout    bool
	LatencyMS  float64
}

// Balancer balances one upstream. Create it with New; it is safe for
// concurrent use.
type Balancer struct {
	up      *entity.Upstream
	algo    algorithm
	targets []*target // fixed at New; each target's addresses change under mu
	hc      healthConfig
	hash    hashConfig
	opts    Options
	log     *slog.Logger

	view atomic.Pointer[view]
	next atomic.Uint64 // rotation counter for round-robin and tie-breaks

	mu sync.Mutex // serialises view rebuilds and target address updates

	startOnce, closeOnce sync.Once
	ctx                  context.Context
	cancel               context.CancelFunc
	wg                   sync.WaitGroup
}

// New builds a balancer for up and its targets. It does no I/O: targets given
// as IP addresses are usable at once, host names once Start has resolved them.
func New(up *entity.Upstream, targets []*entity.Target, opts Options) (*Balancer, error) {
	if up == nil {
		return nil, errors.New("balancer: nil upstream")
	}
	algo, err := parseAlgorithm(up.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", up.Name, err)
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.DNSRefresh <= 0 {
		opts.DNSRefresh = 30 * time.Second
	}
	if opts.DNSTimeout <= 0 {
		opts.DNSTimeout = 2 * time.Second
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Balancer{
		up:   up,
		algo: algo,
		hc:   newHealthConfig(&up.Healthchecks),
		hash: newHashConfig(up),
		opts: opts,
		log:  logger.With("component", "balancer", "upstream", up.Name),
	}
	for _, et := range targets {
		if et == nil {
			continue
		}
		t, err := parseTarget(et)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %w", up.Name, err)
		}
		b.targets = append(b.targets, t)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.mu.Lock()
	b.rebuildLocked(true)
	b.mu.Unlock()
	return b, nil
}

// Start resolves host-name targets (waiting at most Options.DNSTimeout, so
// the first requests find them) and then begins background work until Close:
// DNS refresh and active health checks. Calling it again does nothing.
func (b *Balancer) Start() {
	b.startOnce.Do(func() {
		if b.ctx.Err() != nil {
			return // closed before started
		}
		if b.hasHostNames() {
			b.resolveAll(b.ctx)
			b.goLoop(b.opts.DNSRefresh, b.resolveAll)
		}
		b.startActiveChecks()
	})
}

// Close stops background work and waits for it. The balancer keeps answering
// Pick with its last state.
func (b *Balancer) Close() {
	b.closeOnce.Do(func() {
		b.cancel()
		b.wg.Wait()
	})
}

// goLoop runs fn every interval in a goroutine owned by b until Close.
func (b *Balancer) goLoop(interval time.Duration, fn func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-b.ctx.Done():
				return
			case <-tick.C:
				fn(b.ctx)
			}
		}
	}()
}

// Pick chooses a peer. It returns ErrNoPeer when none is usable: no target
// resolved and healthy, or healthy weight below healthchecks.threshold.
func (b *Balancer) Pick(in *PickInput) (Peer, error) {
	if in == nil {
		in = &PickInput{}
	}
	v := b.view.Load()
	if !v.healthy || len(v.avail) == 0 {
		return Peer{}, ErrNoPeer
	}
	var (
		p      *peer
		cookie *http.Cookie
	)
	switch b.algo {
	case algoRoundRobin:
		p = b.pickRoundRobin(v, in.Tried)
	case algoConsistentHashing:
		var key string
		key, cookie = b.hash.value(in)
		p = v.ring.pick(hashString(key), in.Tried)
	case algoLeastConnections:
		p = b.pickScored(v, in.Tried, connScore)
	case algoLatency:
		p = b.pickScored(v, in.Tried, latencyScore)
	}
	if p == nil {
		return Peer{}, ErrNoPeer
	}
	p.active.Add(1)
	return Peer{Addr: p.addr, Target: p.t.name, Host: b.hostFor(p.t), SetCookie: cookie, p: p}, nil
}

// Done reports the outcome of an attempt (passive health, least-connections,
// latency). Call it exactly once per successful Pick.
func (b *Balancer) Done(pr Peer, r Result) {
	p := pr.p
	if p == nil {
		p = b.view.Load().byAddr[pr.Addr]
		if p == nil {
			return
		}
	}
	p.active.Add(-1)
	if b.algo == algoLatency && r.LatencyMS > 0 && !r.TCPFailure && !r.Timeout {
		p.observeLatency(r.LatencyMS, time.Now().UnixNano())
	}
	b.report(p, b.hc.passive, b.hc.classifyPassive(r))
}

// hostFor is the Host a request to t carries unless the route preserves it.
func (b *Balancer) hostFor(t *target) string {
	if b.up.HostHeader != "" {
		return b.up.HostHeader
	}
	return t.host
}

// tried reports whether addr is in list.
func tried(list []string, addr string) bool {
	for _, a := range list {
		if a == addr {
			return true
		}
	}
	return false
}
