package plugin

import (
	"errors"
	"io"
	"sync"
)

// Shared holds plugin state that must survive config snapshots (rate-limiting
// counters, http-log queues, open log files, redis pools), keyed by whatever
// the plugin chooses. It is safe for concurrent use.
//
// A value lives as long as something uses it. The Shared of a handler's Env
// belongs to one BuildChains: every value taken through it is held by the
// Chains being built, and when the last holder of those Chains releases
// them (the last snapshot using them retires), each value no other Chains
// holds is dropped and, if it has a Close method, closed: its background
// work stops. Values taken through Registry.Shared, outside any build, are
// kept until Registry.Close.
type Shared struct {
	store *sharedStore
	holds *holds // nil: values taken are kept until Registry.Close
}

// sharedStore is the values of a registry and of every Subset of it.
type sharedStore struct {
	mu sync.Mutex
	m  map[string]*sharedValue
}

type sharedValue struct {
	key    string
	v      any
	refs   int  // Chains holding it
	pinned bool // taken outside a build: kept until Registry.Close
}

// holds is the set of values one BuildChains took: what its Chains release.
// The store's lock guards it.
type holds struct {
	// values is nil once the Chains were released: a Get through a
	// handler's Env after that keeps the value until Registry.Close
	// rather than holding it for Chains that are gone.
	values map[*sharedValue]struct{}
}

// Get returns the value stored under key, storing create() first when
// there is none, and records that s's build (or, without one, the node)
// uses it. create runs under the store's lock, at most once per stored
// value: it must not call Get.
func (s *Shared) Get(key string, create func() any) any {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	sv := st.m[key]
	if sv == nil {
		sv = &sharedValue{key: key, v: create()}
		st.m[key] = sv
	}
	if !s.holds.add(sv) {
		sv.pinned = true
	}
	return sv.v
}

// add records that the build holds sv, once however many handlers take
// it. It reports false when there is no build to hold it. The caller
// holds the store's lock.
func (h *holds) add(sv *sharedValue) bool {
	if h == nil || h.values == nil {
		return false
	}
	if _, ok := h.values[sv]; !ok {
		h.values[sv] = struct{}{}
		sv.refs++
	}
	return true
}

// release drops the build's hold on each of its values and closes the
// values nothing holds any more. It runs once; later calls do nothing.
func (h *holds) release(st *sharedStore) error {
	var unused []any
	st.mu.Lock()
	for sv := range h.values {
		sv.refs--
		if sv.refs == 0 && !sv.pinned && st.m[sv.key] == sv {
			delete(st.m, sv.key)
			unused = append(unused, sv.v)
		}
	}
	h.values = nil
	st.mu.Unlock()
	return closeValues(unused...)
}

// closeAll drops every value, held or not, and closes them.
func (st *sharedStore) closeAll() error {
	st.mu.Lock()
	m := st.m
	st.m = map[string]*sharedValue{}
	st.mu.Unlock()
	values := make([]any, 0, len(m))
	for _, sv := range m {
		values = append(values, sv.v)
	}
	return closeValues(values...)
}

// closeValues closes the values that have a Close method, outside any lock:
// closing a queue waits for its sender.
func closeValues(values ...any) error {
	var errs []error
	for _, v := range values {
		if c, ok := v.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
