package pipeline_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
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

func (s *slowWatchedSource) load(context.Context) (pipeline.Update, error) {
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
	v, err := s.cfg.Check(entity.Checks{})
	return pipeline.Update{Config: v, Source: "slow test source"}, err
}

// watch reports every change on changed as a provider does (a change
// arriving while one waits is folded into it), until ctx ends.
func (s *slowWatchedSource) watch(ctx context.Context, changed chan<- struct{}) {
	for range s.changes {
		select {
		case changed <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(s.done)
}

// TestReloadsAreCoalescedAndPaced: a store reporting changes faster than
// the node can rebuild gets fewer reloads than changes, never two at once,
// each starting well after the previous one ended (docs/design.md, "Pacing").
func TestReloadsAreCoalescedAndPaced(t *testing.T) {
	t.Parallel()
	const loadTime = 50 * time.Millisecond
	svc := fixture.ServiceURL("http://" + testutil.ClosedAddr(t))
	cfg := &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{fixture.Route(svc, []string{"/"})}}
	src := &slowWatchedSource{cfg: cfg, loadTime: loadTime, changes: 40, done: make(chan struct{})}
	p, snaps := pipelinetest.Pipeline()
	t.Cleanup(snaps.Close)
	if err := p.Reload(t.Context(), src.load); err != nil { // the start-up load, as a provider's Initial
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 1)
	var running sync.WaitGroup
	running.Go(func() { pipeline.Follow(ctx, changed, slog.New(slog.DiscardHandler), "slow test source", src.load, p) })
	running.Go(func() { src.watch(ctx, changed) })
	t.Cleanup(func() { cancel(); running.Wait() })
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
