package cluster_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestSlowAppliesArePacedAndLatestWins: while a data plane takes a while
// to apply each push, a stream of changes on the CP reaches it as fewer,
// spaced applies (never two at once, each starting well after the last one
// ended), and the last one is the CP's latest configuration (docs/design.md, "Pacing").
func TestSlowAppliesArePacedAndLatestWins(t *testing.T) {
	t.Parallel()
	const applyTime = 100 * time.Millisecond
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	var (
		mu      sync.Mutex
		running bool
		starts  []time.Time
		ends    []time.Time
		overlap bool
	)
	slow := func(inner pipeline.Applier) pipeline.Applier {
		return pipeline.ApplyFunc(func(ctx context.Context, u pipeline.Update) error {
			mu.Lock()
			overlap = overlap || running
			running = true
			starts = append(starts, time.Now())
			mu.Unlock()
			time.Sleep(applyTime)
			err := inner.Apply(ctx, u)
			mu.Lock()
			running = false
			ends = append(ends, time.Now())
			mu.Unlock()
			return err
		})
	}
	d := startDPWrapped(t, []string{c.addr}, cert, slow)
	testutil.Eventually(t, "DP connected", 5*time.Second, func() bool { r, ok := row(c, d.id); return ok && r.Connected })
	const writes = 20
	for i := range writes {
		addServiceRoute(t, c.store, fmt.Sprintf("paced%d", i), fmt.Sprintf("/p%d", i))
		time.Sleep(20 * time.Millisecond)
	}
	exp, err := c.store.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "DP runs the latest config", 15*time.Second, func() bool { return d.hash() == exp.Hash() })

	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Error("two applies ran at the same time")
	}
	if len(starts) >= writes {
		t.Errorf("%d applies for %d writes; pushes were not coalesced", len(starts), writes)
	}
	// The first apply is the start-up one (empty config); pushes follow.
	for i := 2; i < len(starts); i++ {
		if gap := starts[i].Sub(ends[i-1]); gap < applyTime {
			t.Errorf("apply %d started %v after the previous one ended; want at least %v", i, gap, applyTime)
		}
	}
}
