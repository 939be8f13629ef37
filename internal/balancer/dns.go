package balancer

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
)

// errNoAddresses is a lookup that succeeded with an empty answer.
var errNoAddresses = errors.New("no addresses")

// lookup is one target's DNS answer.
type lookup struct {
	addrs []string
	err   error
}

// resolveAll looks up every host-name target at once, bounded by
// Options.DNSTimeout, then swaps in the new addresses. An address that stays
// keeps its peer, so health and counters survive the refresh. A failed
// lookup leaves the target without addresses (DNS_ERROR) until one succeeds.
func (b *Balancer) resolveAll(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, b.opts.DNSTimeout)
	defer cancel()
	answers := make([]lookup, len(b.targets))
	var wg sync.WaitGroup
	for i, t := range b.targets {
		if t.isIP || t.weight == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			addrs, err := b.opts.Resolver.LookupHost(lctx, t.host)
			if err == nil && len(addrs) == 0 {
				err = errNoAddresses
			}
			answers[i] = lookup{addrs, err}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // closing: an interrupted lookup says nothing about the name
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	changed := false
	for i, t := range b.targets {
		if t.isIP || t.weight == 0 {
			continue
		}
		if changedT := b.applyLookup(t, answers[i]); changedT {
			changed = true
		}
	}
	if changed {
		b.rebuildLocked(true)
	}
}

// applyLookup updates t from one answer and reports whether its address set
// changed. b.mu must be held.
func (b *Balancer) applyLookup(t *target, a lookup) bool {
	if a.err != nil {
		if t.dnsErr == nil {
			b.log.Warn("target host name did not resolve; its addresses get no traffic until it does",
				"target", t.name, "error", a.err)
		}
		t.dnsErr = a.err
		if len(t.addrs) == 0 {
			return false
		}
		t.addrs = nil
		return true
	}
	t.dnsErr = nil
	addrs := make([]string, 0, len(a.addrs))
	for _, ip := range a.addrs {
		addrs = append(addrs, net.JoinHostPort(ip, t.port))
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	if slices.EqualFunc(addrs, t.addrs, func(s string, p *peer) bool { return s == p.addr }) {
		return false
	}
	old := make(map[string]*peer, len(t.addrs))
	for _, p := range t.addrs {
		old[p.addr] = p
	}
	next := make([]*peer, len(addrs))
	for i, addr := range addrs {
		if p := old[addr]; p != nil {
			next[i] = p
		} else {
			next[i] = newPeer(t, addr)
		}
	}
	t.addrs = next
	b.log.Info("target resolved", "target", t.name, "addresses", addrs)
	return true
}
