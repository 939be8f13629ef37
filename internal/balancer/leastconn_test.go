package balancer

import (
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

func leastConnections(u *entity.Upstream) { u.Algorithm = "least-connections" }

func TestLeastConnectionsPrefersIdleTarget(t *testing.T) {
	t.Parallel()
	bal := start(t, fixture.Upstream("backend", leastConnections), targets("10.0.0.1:80", 200, "10.0.0.2:80", 100), Options{})
	held := map[string][]Peer{}
	for range 30 {
		p, err := bal.Pick(nil)
		if err != nil {
			t.Fatal(err)
		}
		held[p.Target] = append(held[p.Target], p)
	}
	if a, b := len(held["10.0.0.1:80"]), len(held["10.0.0.2:80"]); a != 20 || b != 10 {
		t.Fatalf("30 open requests spread %d/%d over weights 200/100, want 20/10", a, b)
	}
	for _, p := range held["10.0.0.1:80"] {
		bal.Done(p, Result{Status: 200})
	}
	for i := range 10 {
		p, _ := bal.Pick(nil)
		if p.Target != "10.0.0.1:80" {
			t.Fatalf("pick %d after 10.0.0.1 finished its requests went to busy %s", i, p.Target)
		}
		defer bal.Done(p, Result{Status: 200})
	}
}

func TestLeastConnectionsSendsLessToSlowTarget(t *testing.T) {
	t.Parallel()
	slow, fast := newBackend(t), newBackend(t)
	slow.delay.Store(int64(150 * time.Millisecond))
	bal := start(t, fixture.Upstream("backend", leastConnections), targets(slow.addr, 100, fast.addr, 100), Options{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for range 15 {
				if _, err := proxy(t, bal, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if s, f := slow.hits.Load(), fast.hits.Load(); f < 3*s {
		t.Fatalf("slow target got %d requests, fast one %d; want the fast one to take most", s, f)
	}
}

func TestLatencyPrefersFastTarget(t *testing.T) {
	t.Parallel()
	slow, fast := newBackend(t), newBackend(t)
	slow.delay.Store(int64(30 * time.Millisecond))
	bal := start(t, fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = "latency" }),
		targets(slow.addr, 100, fast.addr, 100), Options{})
	for range 10 {
		if _, err := proxy(t, bal, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := slow.hits.Load()
	for range 40 {
		if _, err := proxy(t, bal, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := slow.hits.Load() - before; got > 4 {
		t.Fatalf("slow target got %d of 40 requests once latencies were known, want at most 4", got)
	}
}
