package balancer

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// defaultTargetPort is Kong's port for a target given without one.
const defaultTargetPort = "8000"

// errNotResolved stands for a host name Start has not resolved yet.
var errNotResolved = errors.New("not resolved yet")

type algorithm int

const (
	algoRoundRobin algorithm = iota
	algoConsistentHashing
	algoLeastConnections
	algoLatency
)

func parseAlgorithm(s string) (algorithm, error) {
	switch s {
	case "", "round-robin":
		return algoRoundRobin, nil
	case "consistent-hashing":
		return algoConsistentHashing, nil
	case "least-connections":
		return algoLeastConnections, nil
	case "latency":
		return algoLatency, nil
	}
	return 0, fmt.Errorf("algorithm: unknown value %q; use round-robin, consistent-hashing, least-connections or latency", s)
}

// target is one configured target. Its name, host, port and weight never
// change; addrs and dnsErr change on DNS refresh, under Balancer.mu.
type target struct {
	name   string // as configured
	host   string
	port   string
	weight int
	isIP   bool
	// perWeight is 1/weight, so scoring multiplies instead of dividing.
	perWeight float64

	addrs  []*peer
	dnsErr error
}

// parseTarget splits "host:port" (port defaults to 8000, as in Kong) and,
// for an IP target, creates its only address.
func parseTarget(et *entity.Target) (*target, error) {
	if et.Weight < 0 {
		return nil, fmt.Errorf("target %q: weight must be 0 or more, got %d", et.Target, et.Weight)
	}
	host, port, err := net.SplitHostPort(et.Target)
	if err != nil {
		host, port = et.Target, defaultTargetPort
		if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
			host = host[1 : len(host)-1]
		}
	}
	if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("target %q: port must be 1-65535; write the target as host:port", et.Target)
	}
	if host == "" {
		return nil, fmt.Errorf("target %q: missing host; write the target as host:port", et.Target)
	}
	t := &target{name: et.Target, host: host, port: port, weight: et.Weight}
	if et.Weight > 0 {
		t.perWeight = 1 / float64(et.Weight)
	}
	if ip := net.ParseIP(host); ip != nil {
		t.isIP = true
		t.addrs = []*peer{newPeer(t, net.JoinHostPort(host, port))}
	} else {
		t.dnsErr = errNotResolved
	}
	return t, nil
}

// peer is one address of a target: the unit that is picked, health-checked
// and counted. Health and counters survive DNS refreshes that keep the address.
type peer struct {
	addr string // ip:port
	t    *target

	healthy atomic.Bool
	failing atomic.Bool   // some failure counter is non-zero (lets Done skip the lock)
	active  atomic.Int64  // requests in flight (Pick minus Done)
	ewma    atomic.Uint64 // float64 bits: peak-EWMA latency in ms, 0 = no sample yet
	ewmaAt  atomic.Int64  // Unix nanoseconds of the last sample

	mu    sync.Mutex // guards count and serialises latency updates
	count counters
}

func newPeer(t *target, addr string) *peer {
	p := &peer{addr: addr, t: t}
	p.healthy.Store(true)
	return p
}

// latencyDecay is the time constant of the latency moving average: a sample
// this old weighs 1/e of a fresh one.
const latencyDecay = 10 * time.Second

// observeLatency folds one sample into the peak EWMA: a slower sample counts
// at once, a faster one pulls the average down as time passes.
func (p *peer) observeLatency(ms float64, now int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.latency(now)
	if ms < cur {
		w := math.Exp(-float64(now-p.ewmaAt.Load()) / float64(latencyDecay))
		ms = cur*w + ms*(1-w)
	}
	p.ewma.Store(math.Float64bits(ms))
	p.ewmaAt.Store(now)
}

// latency is the moving average decayed to now, so a target that was slow
// once and then got no traffic is tried again after a while.
func (p *peer) latency(now int64) float64 {
	v := math.Float64frombits(p.ewma.Load())
	if v == 0 {
		return 0
	}
	return v * math.Exp(-float64(now-p.ewmaAt.Load())/float64(latencyDecay))
}

// hasHostNames reports whether any target needs DNS.
func (b *Balancer) hasHostNames() bool {
	for _, t := range b.targets {
		if !t.isIP && t.weight > 0 {
			return true
		}
	}
	return false
}
