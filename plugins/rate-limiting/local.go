package ratelimiting

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// counterKey identifies one counter: who (a string identifier, or an IP
// kept as netip.Addr so no string is built per request) and which window.
type counterKey struct {
	ident  string
	ip     netip.Addr
	period period
}

type counter struct {
	start int64 // window start, Unix seconds
	count int64
}

// localStore counts in memory, per node, like Kong's local policy. It is
// sharded to keep lock contention low, and forgets finished windows as it
// goes (no goroutine). One store per plugin instance id, kept across
// config snapshots in plugin.Shared.
type localStore struct {
	seed   maphash.Seed
	shards [32]shard
}

type shard struct {
	mu     sync.Mutex
	m      map[counterKey]counter
	writes int
}

func newLocalStore() *localStore {
	s := &localStore{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].m = map[counterKey]counter{}
	}
	return s
}

// take reads the usage of every window into usage and, when none is
// exhausted, counts this request in all of them. It reports whether the
// request is allowed.
func (s *localStore) take(who counterKey, lims []limit, now time.Time, usage []int64) bool {
	h := maphash.String(s.seed, who.ident)
	if who.ip.IsValid() {
		h ^= maphash.Comparable(s.seed, who.ip)
	}
	sh := &s.shards[h%uint64(len(s.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	allowed := true
	for i, l := range lims {
		who.period = l.period
		c := sh.m[who]
		if c.start != l.period.start(now) {
			c.count = 0
		}
		usage[i] = c.count
		if l.max-c.count <= 0 {
			allowed = false
		}
	}
	if !allowed {
		return false
	}
	for _, l := range lims {
		who.period = l.period
		start := l.period.start(now)
		c := sh.m[who]
		if c.start != start {
			c = counter{start: start}
		}
		c.count++
		sh.m[who] = c
	}
	sh.writes++
	if sh.writes%4096 == 0 {
		sh.sweep(now)
	}
	return true
}

// sweep drops counters of finished windows.
func (sh *shard) sweep(now time.Time) {
	for k, c := range sh.m {
		if c.start != k.period.start(now) {
			delete(sh.m, k)
		}
	}
}
