package balancer

import (
	"math"
	"time"
)

// minSchedule is the round-robin schedule length above which weights are
// scaled down (keeping each address at least once), so rebuilding the view
// stays cheap when weights are large and coprime.
const minSchedule = 4096

// smoothSchedule lays out one cycle of nginx's smooth weighted round-robin
// over avail: each address appears in proportion to its weight, spread out
// rather than in runs (weights 5,1,1 give a a b a c a a). Pick then only
// advances an atomic counter through it.
func smoothSchedule(avail []*peer) []int32 {
	if len(avail) == 0 {
		return nil
	}
	w := make([]int, len(avail))
	g := 0
	for i, p := range avail {
		w[i] = p.t.weight
		g = gcd(g, w[i])
	}
	total := 0
	for i := range w {
		w[i] /= g
		total += w[i]
	}
	if limit := max(minSchedule, 4*len(w)); total > limit {
		scaled := 0
		for i := range w {
			w[i] = max(1, w[i]*limit/total)
			scaled += w[i]
		}
		total = scaled
	}
	cur := make([]int, len(w))
	sched := make([]int32, total)
	for s := range sched {
		best := 0
		for i := range w {
			cur[i] += w[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		sched[s] = int32(best)
	}
	return sched
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// pickRoundRobin takes the next address of the schedule, moving on past
// addresses this request already tried while others remain.
func (b *Balancer) pickRoundRobin(v *view, triedAddrs []string) *peer {
	n := uint64(len(v.sched))
	i := b.next.Add(1) - 1
	first := v.avail[v.sched[i%n]]
	if len(triedAddrs) == 0 || !tried(triedAddrs, first.addr) {
		return first
	}
	if len(triedAddrs) >= len(v.avail) && allTried(v.avail, triedAddrs) {
		return first
	}
	for k := uint64(1); k < n; k++ {
		if p := v.avail[v.sched[(i+k)%n]]; !tried(triedAddrs, p.addr) {
			return p
		}
	}
	return first
}

func allTried(ps []*peer, triedAddrs []string) bool {
	for _, p := range ps {
		if !tried(triedAddrs, p.addr) {
			return false
		}
	}
	return true
}

// scoreFunc rates an address for least-connections and latency; lowest wins.
type scoreFunc func(p *peer, now int64) float64

// connScore is Kong's least-connections measure: in-flight requests per
// unit of weight, counting the one being placed.
func connScore(p *peer, _ int64) float64 {
	return float64(p.active.Load()+1) * p.t.perWeight
}

// latencyScore prefers the lowest recent latency, scaled by load and weight.
// An address without samples scores near zero, so new addresses get tried.
func latencyScore(p *peer, now int64) float64 {
	return (p.latency(now) + 0.001) * float64(p.active.Load()+1) * p.t.perWeight
}

// pickScored returns the best-scoring address not tried yet (any address when
// all were tried). The scan starts at a rotating offset so ties spread out.
func (b *Balancer) pickScored(v *view, triedAddrs []string, score scoreFunc) *peer {
	n := len(v.avail)
	start := int(b.next.Add(1) % uint64(n))
	var now int64
	if b.algo == algoLatency {
		now = time.Now().UnixNano()
	}
	var best *peer
	bestScore := math.Inf(1)
	for k := range n {
		p := v.avail[(start+k)%n]
		if len(triedAddrs) > 0 && tried(triedAddrs, p.addr) {
			continue
		}
		if s := score(p, now); s < bestScore {
			best, bestScore = p, s
		}
	}
	if best == nil {
		best = v.avail[start]
	}
	return best
}
