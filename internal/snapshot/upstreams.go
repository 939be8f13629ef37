package snapshot

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
)

// Upstream is an upstream with its balancer.
type Upstream struct {
	Upstream *entity.Upstream
	Targets  []*entity.Target
	Balancer *balancer.Balancer
	// key digests the upstream and its targets: equal keys mean the
	// balancer can be handed over to the next snapshot as it is.
	key string
}

// buildUpstreams creates one balancer per upstream, reusing prev's when
// nothing about the upstream changed. It returns the balancers it created
// (not started), which the caller starts on success or closes on failure.
func (s *Snapshot) buildUpstreams(cfg *entity.Config, prev *Snapshot, opts balancer.Options) ([]*balancer.Balancer, error) {
	reusable := map[string]*balancer.Balancer{}
	if prev != nil {
		for _, u := range prev.upstreams {
			reusable[u.key] = u.Balancer
		}
	}
	byUpstream := map[string][]*entity.Target{}
	for _, t := range cfg.Targets {
		id := entity.RefID(t.Upstream)
		byUpstream[id] = append(byUpstream[id], t)
	}
	s.upstreams = make(map[string]*Upstream, len(cfg.Upstreams))
	var fresh []*balancer.Balancer
	for _, up := range cfg.Upstreams {
		targets := byUpstream[up.ID]
		key := balancer.Key(up, targets)
		u := &Upstream{Upstream: up, Targets: targets, key: key}
		if b, ok := reusable[key]; ok {
			u.Balancer = b
			delete(reusable, key) // two identical upstreams still get two balancers
		} else {
			b, err := balancer.New(up, targets, opts)
			if err != nil {
				closeAll(fresh)
				return nil, fmt.Errorf("snapshot: upstream %q: %w", up.Name, err)
			}
			u.Balancer = b
			fresh = append(fresh, b)
		}
		s.upstreams[strings.ToLower(up.Name)] = u
	}
	return fresh, nil
}

// Retire closes the balancers s uses that next does not and releases s's
// hold on its plugin chains (shared plugin state no snapshot holds any more
// stops: see plugin.Chains.Release); call it once next has replaced s in
// service. next == nil retires everything (shutdown). Requests still
// running on s keep working: a closed balancer stops its background probes
// but still answers Pick and Done. Retiring s again does nothing more.
func (s *Snapshot) Retire(next *Snapshot) {
	if s == nil {
		return
	}
	if !s.retired.Swap(true) {
		s.chains.Release()
	}
	kept := map[*balancer.Balancer]bool{}
	if next != nil {
		for _, u := range next.upstreams {
			kept[u.Balancer] = true
		}
	}
	for _, u := range s.upstreams {
		if !kept[u.Balancer] {
			u.Balancer.Close()
		}
	}
}

func closeAll(bs []*balancer.Balancer) {
	for _, b := range bs {
		b.Close()
	}
}
