package balancer

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// Not parallel: it counts the process's goroutines.
func TestCloseStopsBackgroundWork(t *testing.T) {
	well := newBackend(t)
	res := &testResolver{}
	res.set("svc.test", "127.0.0.1")
	before := runtime.NumGoroutine()

	bal, err := New(fixture.Upstream("backend", activeChecks("http")), targets(well.addr, 100, "svc.test:1", 100),
		Options{Resolver: res, DNSRefresh: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bal.Start()
	testutil.Eventually(t, "probes to reach the server", waitHealth, func() bool { return well.hits.Load() >= 3 })
	if runtime.NumGoroutine() <= before {
		t.Fatal("Start started no background goroutines; the test would prove nothing")
	}
	bal.Close()
	bal.Close() // twice is harmless
	testutil.Eventually(t, "goroutines to end after Close", 2*time.Second, func() bool {
		return runtime.NumGoroutine() <= before
	})
	hits := well.hits.Load()
	time.Sleep(100 * time.Millisecond)
	if well.hits.Load() != hits {
		t.Fatal("probes continue after Close")
	}
	if _, err := bal.Pick(nil); err != nil {
		t.Fatalf("Pick after Close: %v; a closed balancer keeps its last state", err)
	}
}

func TestConcurrentPickDone(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"round-robin", "consistent-hashing", "least-connections", "latency"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			up := fixture.Upstream("backend", func(u *entity.Upstream) {
				u.Algorithm, u.HashOn = algo, "consumer"
				u.Healthchecks.Passive.Unhealthy.HTTPFailures = 2
			})

			ts := targets("10.0.0.1:80", 100, "10.0.0.2:80", 50, "10.0.0.3:80", 10, "10.0.0.4:80", 100)
			bal := start(t, up, ts, Options{})
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Go(func() { // an operator flipping health meanwhile
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					_ = bal.SetHealth(ts[i%4].Target, "", true)
					_ = bal.Health()
				}
			})
			var workers sync.WaitGroup
			for w := range 8 {
				workers.Go(func() {
					for i := range 2000 {
						p, err := bal.Pick(&PickInput{ConsumerID: string(rune('a' + (w+i)%26))})
						if err != nil {
							continue // every target unhealthy for a moment
						}
						status := 200
						if i%7 == 0 {
							status = 500
						}
						bal.Done(p, Result{Status: status, LatencyMS: float64(i % 13)})
					}
				})
			}
			workers.Wait()
			close(stop)
			wg.Wait()
			for _, p := range bal.view.Load().all {
				if n := p.active.Load(); n != 0 {
					t.Fatalf("address %s has %d requests in flight after every Done", p.addr, n)
				}
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	// The same upstream on every call: one id, as a reload keeps it.
	base := func() (*entity.Upstream, []*entity.Target) {
		sameID := func(u *entity.Upstream) { u.ID = "6f1c2a9e-3b7d-4e58-9a0c-1d2e3f4a5b6c" }
		return fixture.Upstream("backend", sameID), targets("a:80", 100, "b:80", 50)
	}
	u0, t0 := base()
	k0 := Key(u0, t0)
	cases := []struct {
		name string
		mod  func(u *entity.Upstream, ts []*entity.Target) []*entity.Target
		same bool
	}{
		{"identical", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target { return ts }, true},
		{"timestamps and tags", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target {
			u.CreatedAt, u.UpdatedAt, u.Tags = 1, 2, []string{"x"}
			ts[0].CreatedAt = 5
			return ts
		}, true},
		{"target order", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target {
			return []*entity.Target{ts[1], ts[0]}
		}, true},
		{"weight", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target { ts[1].Weight = 60; return ts }, false},
		{"new target", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target {
			return append(ts, targets("c:80", 100)...)
		}, false},
		{"algorithm", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target { u.Algorithm = "latency"; return ts }, false},
		{"healthchecks", func(u *entity.Upstream, ts []*entity.Target) []*entity.Target {
			u.Healthchecks.Active.HTTPPath = "/health"
			return ts
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, ts := base()
			ts = tc.mod(u, ts)
			if got := Key(u, ts) == k0; got != tc.same {
				t.Fatalf("key unchanged = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		up      *entity.Upstream
		ts      []*entity.Target
		mention string
	}{
		{"unknown algorithm", fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = "random" }), nil, "algorithm"},
		{"port not a number", fixture.Upstream("backend"), targets("host:http", 100), "host:http"},
		{"port out of range", fixture.Upstream("backend"), targets("host:70000", 100), "port"},
		{"negative weight", fixture.Upstream("backend"), targets("host:80", -1), "weight"},
		{"no upstream", nil, nil, "upstream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.up, tc.ts, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("New: %v, want an error naming %q", err, tc.mention)
			}
		})
	}
	addrs := []struct{ target, want string }{
		{"127.0.0.1", "127.0.0.1:8000"}, // Kong's default target port
		{"127.0.0.1:81", "127.0.0.1:81"},
		{"[::1]:82", "[::1]:82"},
		{"[::1]", "[::1]:8000"},
		{"::1", "[::1]:8000"},
	}
	for _, tc := range addrs {
		t.Run("target "+tc.target, func(t *testing.T) {
			t.Parallel()
			bal := start(t, fixture.Upstream("backend"), targets(tc.target, 100), Options{})
			if p, err := bal.Pick(nil); err != nil || p.Addr != tc.want || p.Target != tc.target {
				t.Fatalf("Pick: %+v, %v; want address %s for target %s", p, err, tc.want, tc.target)
			}
		})
	}
}
