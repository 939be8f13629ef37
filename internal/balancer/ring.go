package balancer

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
)

const (
	// pointsPerTarget is how many continuum points an address of average
	// weight gets (Kong's and ketama's 160).
	pointsPerTarget = 160
	// minSlots is Kong's smallest continuum; here the number of lookup buckets.
	minSlots = 1000
)

// ring is a ketama continuum, the structure behind Kong's consistent
// hashing: each address owns points on a 64-bit circle, as many as its weight
// relative to the mean weight times 160, placed by hashing "ip:port i". A key
// belongs to the first point at or after its hash. An address's points depend
// only on itself and that ratio, so adding an address of average weight takes
// keys only for itself and removing one moves only the keys it had.
//
// The circle is cut into `slots` equal buckets, each remembering its first
// point, so a lookup is one index plus a short scan instead of a binary search.
type ring struct {
	peers  []*peer
	points []uint64 // sorted positions
	owner  []int32  // owner of each point: index into peers
	bucket []int32  // per slot: index of the first point in or after that slot
}

// newRing builds the continuum over all (sorted, so equal positions resolve
// the same way on every node).
func newRing(all []*peer, slots int) *ring {
	slots = max(slots, minSlots)
	r := &ring{peers: all}
	total := 0
	for _, p := range all {
		total += p.t.weight
	}
	if total == 0 {
		return r
	}
	type point struct {
		pos   uint64
		owner int32
	}
	pts := make([]point, 0, len(all)*pointsPerTarget)
	var name []byte
	for pi, p := range all {
		entries := max(1, p.t.weight*len(all)*pointsPerTarget/total)
		name = append(append(name[:0], p.addr...), ' ')
		prefix := len(name)
		for i := 1; i <= entries; i++ {
			name = strconv.AppendInt(name[:prefix], int64(i), 10)
			pts = append(pts, point{hashString(name), int32(pi)})
		}
	}
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.pos, b.pos); c != 0 {
			return c
		}
		return cmp.Compare(a.owner, b.owner)
	})
	r.points = make([]uint64, len(pts))
	r.owner = make([]int32, len(pts))
	for i, pt := range pts {
		r.points[i], r.owner[i] = pt.pos, pt.owner
	}
	r.bucket = make([]int32, slots)
	i := 0
	for s := range r.bucket {
		for i < len(r.points) && slotOf(r.points[i], slots) < s {
			i++
		}
		r.bucket[s] = int32(i)
	}
	return r
}

// slotOf maps a position to its bucket: the high word of pos*slots.
func slotOf(pos uint64, slots int) int {
	hi, _ := bits.Mul64(pos, uint64(slots))
	return int(hi)
}

// pick returns the owner of the key hashing to h, moving clockwise past
// unhealthy addresses and, while others remain, addresses already tried.
func (r *ring) pick(h uint64, triedAddrs []string) *peer {
	if r == nil || len(r.points) == 0 {
		return nil
	}
	n := len(r.points)
	i := int(r.bucket[slotOf(h, len(r.bucket))])
	for i < n && r.points[i] < h {
		i++
	}
	var fallback *peer
	for range n {
		if i == n {
			i = 0
		}
		p := r.peers[r.owner[i]]
		if p.healthy.Load() {
			if len(triedAddrs) == 0 || !tried(triedAddrs, p.addr) {
				return p
			}
			if fallback == nil {
				fallback = p
			}
		}
		i++
	}
	return fallback
}

// hashString is FNV-1a with a final avalanche (murmur3's fmix64), so keys
// that differ in one byte land far apart. It is stable across processes:
// every node maps a key to the same address.
func hashString[S ~string | ~[]byte](s S) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
