package balancer

import (
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// statusSet is a set of HTTP status codes 0-1023 as a bitmap, so checking a
// response costs no map lookup.
type statusSet [16]uint64

func newStatusSet(codes []int) statusSet {
	var s statusSet
	for _, c := range codes {
		if c >= 0 && c < 1024 {
			s[c/64] |= 1 << (c % 64)
		}
	}
	return s
}

func (s *statusSet) has(c int) bool {
	return c >= 0 && c < 1024 && s[c/64]&(1<<(c%64)) != 0
}

// event is what one observation says about an address.
type event int

const (
	evNone event = iota
	evSuccess
	evTCPFailure
	evTimeout
	evHTTPFailure
)

// limits are the counter thresholds of one check kind (active or passive);
// 0 disables that counter.
type limits struct {
	successes, tcpFailures, timeouts, httpFailures int
	healthy, unhealthy                             statusSet
}

// healthConfig is the upstream's healthchecks, ready for the hot path.
type healthConfig struct {
	on              bool // Kong's "using healthchecks": off reports HEALTHCHECKS_OFF
	active, passive limits
	activeCfg       entity.ActiveHealthcheck
	healthyEvery    time.Duration // 0: healthy addresses are not probed
	unhealthyEvery  time.Duration // 0: unhealthy addresses are not probed
}

func newHealthConfig(h *entity.Healthchecks) healthConfig {
	a, p := &h.Active, &h.Passive
	c := healthConfig{
		active: limits{
			successes: a.Healthy.Successes, tcpFailures: a.Unhealthy.TCPFailures,
			timeouts: a.Unhealthy.Timeouts, httpFailures: a.Unhealthy.HTTPFailures,
			healthy: newStatusSet(a.Healthy.HTTPStatuses), unhealthy: newStatusSet(a.Unhealthy.HTTPStatuses),
		},
		passive: limits{
			successes: p.Healthy.Successes, tcpFailures: p.Unhealthy.TCPFailures,
			timeouts: p.Unhealthy.Timeouts, httpFailures: p.Unhealthy.HTTPFailures,
			healthy: newStatusSet(p.Healthy.HTTPStatuses), unhealthy: newStatusSet(p.Unhealthy.HTTPStatuses),
		},
		activeCfg:      *a,
		healthyEvery:   seconds(a.Healthy.Interval),
		unhealthyEvery: seconds(a.Unhealthy.Interval),
	}
	c.on = c.healthyEvery > 0 || c.unhealthyEvery > 0 ||
		p.Unhealthy.TCPFailures > 0 || p.Unhealthy.Timeouts > 0 || p.Unhealthy.HTTPFailures > 0
	return c
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// classifyPassive turns a proxied attempt's outcome into an event.
func (c *healthConfig) classifyPassive(r Result) event {
	return classify(&c.passive, r.TCPFailure, r.Timeout, r.Status)
}

func classify(l *limits, tcpFailure, timeout bool, status int) event {
	switch {
	case timeout:
		return evTimeout
	case tcpFailure:
		return evTCPFailure
	case l.unhealthy.has(status):
		return evHTTPFailure
	case l.healthy.has(status):
		return evSuccess
	}
	return evNone
}

// counters count consecutive outcomes of one address since its last health
// change.
type counters struct {
	successes, tcpFailures, timeouts, httpFailures int
}

// report applies ev to p under l and, when p's health flips, publishes a new
// view. A success clears the failure counters and a failure the success
// counter, so only consecutive outcomes add up.
func (b *Balancer) report(p *peer, l limits, ev event) {
	if ev == evNone || !b.hc.on {
		return
	}
	if ev == evSuccess && p.healthy.Load() && !p.failing.Load() {
		return // the common case: nothing to count, no lock taken
	}
	p.mu.Lock()
	flip := p.count.apply(ev, l, p.healthy.Load())
	if flip {
		p.healthy.Store(!p.healthy.Load())
		p.count = counters{}
	}
	p.failing.Store(p.count.tcpFailures+p.count.timeouts+p.count.httpFailures > 0)
	healthy := p.healthy.Load()
	p.mu.Unlock()
	if !flip {
		return
	}
	b.log.Warn("target health changed", "target", p.t.name, "address", p.addr, "healthy", healthy)
	b.mu.Lock()
	b.rebuildLocked(false)
	b.mu.Unlock()
}

// apply counts ev and reports whether the address's health must flip.
func (c *counters) apply(ev event, l limits, healthy bool) bool {
	if ev == evSuccess {
		c.tcpFailures, c.timeouts, c.httpFailures = 0, 0, 0
		if healthy || l.successes == 0 {
			return false
		}
		c.successes++
		return c.successes >= l.successes
	}
	c.successes = 0
	if !healthy {
		return false
	}
	switch ev {
	case evTCPFailure:
		c.tcpFailures++
		return l.tcpFailures > 0 && c.tcpFailures >= l.tcpFailures
	case evTimeout:
		c.timeouts++
		return l.timeouts > 0 && c.timeouts >= l.timeouts
	case evHTTPFailure:
		c.httpFailures++
		return l.httpFailures > 0 && c.httpFailures >= l.httpFailures
	}
	return false
}
