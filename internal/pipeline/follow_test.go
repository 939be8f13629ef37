package node

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// slowWatchedSource reports a change every few milliseconds and takes
// loadTime to load, recording when each load ran.
type slowWatchedSource struct {
	cfg      *entity.Config
	loadTime time.Duration
	changes  int

	mu      sync.Mutex
	loading bool
	overlap bool
	starts  []time.Time
	ends    []time.Time
	done    chan struct{} // closed once every change is reported
}

func (s *slowWatchedSource) Describe() string { return "slow test source" }

func (s *slowWatchedSource) Load(context.Context) (*entity.Config, error) {
	s.mu.Lock()
	s.overlap = s.overlap || s.loading
	s.loading = true
	s.starts = append(s.starts, time.Now())
	s.mu.Unlock()
	time.Sleep(s.loadTime)
	s.mu.Lock()
	s.loading = false
	s.ends = append(s.ends, time.Now())
	s.mu.Unlock()
	return s.cfg, nil
}

func (s *slowWatchedSource) Watch(ctx context.Context, changed func()) error {
	for range s.changes {
		changed()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(s.done)
	<-ctx.Done()
	return ctx.Err()
}

// TestReloadsAreCoalescedAndPaced: a store reporting changes faster than
// the node can rebuild gets fewer reloads than changes, never two at once,
// each starting well after the previous one ended (docs/design.md, "Pacing").
func TestReloadsAreCoalescedAndPaced(t *testing.T) {
	t.Parallel()
	up := upstream(t, "paced")
	const loadTime = 50 * time.Millisecond
	src := &slowWatchedSource{cfg: oneRoute(up.URL), loadTime: loadTime, changes: 40, done: make(chan struct{})}
	runNode(t, Options{Settings: settings(t), Source: src})
	select {
	case <-src.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the watch did not report every change")
	}
	time.Sleep(4 * loadTime) // the last coalesced reload runs after a pause
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.overlap {
		t.Error("two reloads ran at the same time")
	}
	// starts[0] is the start-up load; reloads follow.
	if reloads := len(src.starts) - 1; reloads >= src.changes || reloads < 2 {
		t.Errorf("%d reloads for %d changes; want them coalesced into fewer (and more than one)", reloads, src.changes)
	}
	for i := 2; i < len(src.starts) && i <= len(src.ends); i++ {
		if gap := src.starts[i].Sub(src.ends[i-1]); gap < loadTime {
			t.Errorf("reload %d started %v after the previous one ended; want at least %v", i, gap, loadTime)
		}
	}
}
