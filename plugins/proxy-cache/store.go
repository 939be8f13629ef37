package proxycache

import (
	"container/list"
	"net/http"
	"sync"
	"time"
)

// maxStoreBytes bounds one dictionary, like the size of Kong's shared dict.
const maxStoreBytes = 128 << 20

// entry is one cached response.
type entry struct {
	key     string
	status  int
	header  http.Header
	body    []byte
	stored  time.Time
	ttl     time.Duration // freshness
	expires time.Time     // storage: dropped after this
}

func (e *entry) size() int { return len(e.body) + len(e.key) + 512 }

// store is an in-memory cache with a byte budget: when full, the oldest
// stored entries go first; expired ones go when next read. It is shared by every instance naming the
// same dictionary and outlives config snapshots.
type store struct {
	mu    sync.Mutex
	items map[string]*list.Element
	order *list.List // front: newest
	bytes int
	max   int
}

func newStore(max int) *store {
	return &store{items: map[string]*list.Element{}, order: list.New(), max: max}
}

func (s *store) get(key string, now time.Time) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[key]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if now.After(e.expires) {
		s.remove(el)
		return nil
	}
	return e
}

func (s *store) put(e *entry) {
	if e.size() > s.max {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[e.key]; ok {
		s.remove(el)
	}
	for s.bytes+e.size() > s.max && s.order.Len() > 0 {
		s.remove(s.order.Back())
	}
	s.items[e.key] = s.order.PushFront(e)
	s.bytes += e.size()
}

func (s *store) purge(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		s.remove(el)
	}
}

func (s *store) remove(el *list.Element) {
	e := s.order.Remove(el).(*entry)
	delete(s.items, e.key)
	s.bytes -= e.size()
}
