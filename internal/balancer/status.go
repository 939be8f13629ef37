package balancer

import (
	"fmt"
	"net"
	"strconv"
)

// Health values, as Kong's upstream health endpoints spell them.
const (
	Healthy         = "HEALTHY"
	Unhealthy       = "UNHEALTHY"
	DNSError        = "DNS_ERROR"
	HealthchecksOff = "HEALTHCHECKS_OFF"
)

// TargetHealth is one row of the upstream health endpoints.
type TargetHealth struct {
	Target  string `json:"target"`
	Weight  int    `json:"weight"`
	Health  string `json:"health"` // HEALTHY, UNHEALTHY, DNS_ERROR, HEALTHCHECKS_OFF
	Address string `json:"address,omitempty"`
	// Addresses is every resolved address of the target (Kong's
	// data.addresses), each with its own health.
	Addresses []AddressHealth `json:"addresses,omitempty"`
}

// AddressHealth is one resolved address of a target.
type AddressHealth struct {
	IP     string `json:"ip"`
	Port   int    `json:"port"`
	Weight int    `json:"weight"`
	Health string `json:"health"`
}

// Health returns the health of every target with a weight above 0 (weight 0
// disables a target, and Kong's health endpoint leaves those out), in the
// order the targets were given. A target is HEALTHY when one of its addresses
// is, DNS_ERROR when its host name has no addresses, and HEALTHCHECKS_OFF
// when the upstream has no active or passive checks — unless an address was
// marked unhealthy by hand (SetHealth), which shows as UNHEALTHY so the
// operator sees why it gets no traffic.
func (b *Balancer) Health() []TargetHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]TargetHealth, 0, len(b.targets))
	for _, t := range b.targets {
		if t.weight == 0 {
			continue
		}
		row := TargetHealth{Target: t.name, Weight: t.weight, Health: Unhealthy}
		for _, p := range t.addrs {
			h := Unhealthy
			if p.healthy.Load() {
				h = Healthy
				row.Health = Healthy
				if !b.hc.on {
					h = HealthchecksOff
				}
			}
			ip, port, _ := net.SplitHostPort(p.addr)
			n, _ := strconv.Atoi(port)
			row.Addresses = append(row.Addresses, AddressHealth{IP: ip, Port: n, Weight: t.weight, Health: h})
		}
		switch {
		case len(t.addrs) == 0:
			row.Health = DNSError
		case !b.hc.on && row.Health == Healthy:
			row.Health = HealthchecksOff
		}
		if len(t.addrs) > 0 {
			row.Address = t.addrs[0].addr
		}
		out = append(out, row)
	}
	return out
}

// UpstreamHealth is the whole upstream's health (Kong's ?balancer_health=1):
// HEALTHCHECKS_OFF without checks, else HEALTHY when the healthy weight meets
// healthchecks.threshold, else UNHEALTHY.
func (b *Balancer) UpstreamHealth() string {
	healthy := b.view.Load().healthy
	if !b.hc.on && healthy {
		return HealthchecksOff
	}
	if healthy {
		return Healthy
	}
	return Unhealthy
}

// SetHealth marks a target's addresses healthy or unhealthy by hand (Kong's
// POST /upstreams/{u}/targets/{t}/healthy|unhealthy); address "" means all
// of them. Counters restart. The mark lasts until checks say otherwise;
// without active checks that is until the next SetHealth.
func (b *Balancer) SetHealth(target, address string, healthy bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	found := false
	for _, t := range b.targets {
		if t.name != target {
			continue
		}
		for _, p := range t.addrs {
			if address != "" && p.addr != address {
				continue
			}
			found = true
			p.mu.Lock()
			p.healthy.Store(healthy)
			p.count = counters{}
			p.failing.Store(false)
			p.mu.Unlock()
		}
	}
	if !found {
		if address == "" {
			return fmt.Errorf("target %q has no resolved address in upstream %q; check the target name and its DNS", target, b.up.Name)
		}
		return fmt.Errorf("address %q of target %q not found in upstream %q; use an address listed by the health endpoint", address, target, b.up.Name)
	}
	b.rebuildLocked(false)
	return nil
}
