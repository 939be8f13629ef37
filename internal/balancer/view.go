package balancer

import "sort"

// view is an immutable picture of the addresses a Pick may choose from. It is
// replaced as a whole (Balancer.view) when addresses or health change, so the
// request path reads it without locks.
type view struct {
	all     []*peer // every resolved address of a target with weight > 0, sorted
	avail   []*peer // the healthy ones
	byAddr  map[string]*peer
	sched   []int32 // round-robin order, indices into avail
	ring    *ring   // consistent-hashing continuum over all
	healthy bool    // healthy weight meets healthchecks.threshold
}

// rebuildLocked publishes a new view from the targets' current addresses and
// health. addrsChanged says whether the address set changed (which rebuilds
// the hash ring); a health change alone keeps the ring, whose walk skips
// unhealthy addresses. b.mu must be held.
func (b *Balancer) rebuildLocked(addrsChanged bool) {
	old := b.view.Load()
	v := &view{}
	if addrsChanged || old == nil {
		for _, t := range b.targets {
			if t.weight > 0 {
				v.all = append(v.all, t.addrs...)
			}
		}
		// A stable order makes the ring and the schedule independent of the
		// order targets were listed in, so every node builds the same ones.
		sort.Slice(v.all, func(i, j int) bool { return v.all[i].addr < v.all[j].addr })
		v.byAddr = make(map[string]*peer, len(v.all))
		for _, p := range v.all {
			v.byAddr[p.addr] = p
		}
		if b.algo == algoConsistentHashing {
			v.ring = newRing(v.all, b.up.Slots)
		}
	} else {
		v.all, v.byAddr, v.ring = old.all, old.byAddr, old.ring
	}

	var total, up int
	for _, p := range v.all {
		total += p.t.weight
		if p.healthy.Load() {
			up += p.t.weight
			v.avail = append(v.avail, p)
		}
	}
	v.healthy = up > 0 && float64(up)*100 >= b.up.Healthchecks.Threshold*float64(total)
	if b.algo == algoRoundRobin {
		v.sched = smoothSchedule(v.avail)
	}
	if old != nil && old.healthy != v.healthy && len(old.all) > 0 {
		b.log.Warn("upstream health changed", "healthy", v.healthy,
			"healthy_weight", up, "total_weight", total, "threshold", b.up.Healthchecks.Threshold)
	}
	b.view.Store(v)
}
