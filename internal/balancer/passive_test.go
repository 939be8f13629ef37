package balancer

import (
	"errors"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

func passiveChecks(u *entity.Upstream) {
	p := &u.Healthchecks.Passive
	p.Unhealthy.HTTPFailures, p.Unhealthy.TCPFailures, p.Unhealthy.Timeouts = 3, 2, 2
}

func TestPassiveChecks(t *testing.T) {
	t.Parallel()
	t.Run("500s mark a target unhealthy", func(t *testing.T) {
		t.Parallel()
		sick, well := newBackend(t), newBackend(t)
		sick.status.Store(500)
		bal := start(t, fixture.Upstream("backend", passiveChecks), targets(sick.addr, 100, well.addr, 100), Options{})
		for range 10 {
			if _, err := proxy(t, bal, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n := sick.hits.Load(); n != 3 {
			t.Errorf("the failing target served %d requests, want exactly 3 (http_failures)", n)
		}
		if h := healthOf(bal, sick.addr); h != Unhealthy {
			t.Fatalf("after three 500s the target is %s, want UNHEALTHY", h)
		}
		if !onlyTo(t, bal, well.addr) {
			t.Fatal("the unhealthy target is still picked")
		}
	})
	t.Run("connection failures", func(t *testing.T) {
		t.Parallel()
		dead, well := testutil.ClosedAddr(t), newBackend(t)
		bal := start(t, fixture.Upstream("backend", passiveChecks), targets(dead, 100, well.addr, 100), Options{})
		for range 10 {
			if _, err := proxy(t, bal, nil); err != nil {
				t.Fatal(err)
			}
		}
		if h := healthOf(bal, dead); h != Unhealthy {
			t.Fatalf("after refused connections the target is %s, want UNHEALTHY", h)
		}
	})
	sequences := []struct {
		name    string
		results []Result
		want    string
	}{
		{"timeouts", []Result{{Timeout: true}, {Timeout: true}}, Unhealthy},
		{"a success restarts the count", []Result{{Status: 500}, {Status: 500}, {Status: 200}, {Status: 500}, {Status: 500}}, Healthy},
		{"statuses outside the lists count for nothing", []Result{{Status: 404}, {Status: 404}, {Status: 404}, {Status: 404}}, Healthy},
		{"failures of different kinds count apart", []Result{{Status: 500}, {Timeout: true}, {TCPFailure: true}, {Status: 500}}, Healthy},
	}
	for _, tc := range sequences {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bal := start(t, fixture.Upstream("backend", passiveChecks), targets("10.0.0.1:80", 100), Options{})
			for _, r := range tc.results {
				p, err := bal.Pick(nil)
				if err != nil {
					t.Fatalf("Pick before the sequence ended: %v", err)
				}
				bal.Done(p, r)
			}
			if h := healthOf(bal, "10.0.0.1:80"); h != tc.want {
				t.Fatalf("after %+v the target is %s, want %s", tc.results, h, tc.want)
			}
			if _, err := bal.Pick(nil); (err == nil) != (tc.want == Healthy) {
				t.Fatalf("Pick: %v with the only target %s", err, tc.want)
			}
		})
	}
	t.Run("stays down without active checks until set healthy", func(t *testing.T) {
		t.Parallel()
		bal := start(t, fixture.Upstream("backend", passiveChecks), targets("10.0.0.1:80", 100), Options{})
		for range 3 {
			p, _ := bal.Pick(nil)
			bal.Done(p, Result{Status: 503})
		}
		if _, err := bal.Pick(nil); !errors.Is(err, ErrNoPeer) {
			t.Fatalf("Pick: %v, want ErrNoPeer", err)
		}
		if err := bal.SetHealth("10.0.0.1:80", "", true); err != nil {
			t.Fatal(err)
		}
		if _, err := bal.Pick(nil); err != nil {
			t.Fatalf("Pick after SetHealth(healthy): %v", err)
		}
	})
	t.Run("active probes of unhealthy targets bring them back", func(t *testing.T) {
		t.Parallel()
		sick := newBackend(t)
		sick.status.Store(500)
		up := fixture.Upstream("backend", passiveChecks)
		up.Healthchecks.Active.Unhealthy.Interval = 0.05 // probe only unhealthy targets
		up.Healthchecks.Active.Healthy.Successes = 2
		bal := start(t, up, targets(sick.addr, 100), Options{})
		for range 3 {
			if _, err := proxy(t, bal, nil); err != nil {
				t.Fatal(err)
			}
		}
		if h := healthOf(bal, sick.addr); h != Unhealthy {
			t.Fatalf("after three 500s: %s, want UNHEALTHY", h)
		}
		sick.status.Store(200)
		testutil.Eventually(t, "the target to recover", waitHealth, func() bool { return healthOf(bal, sick.addr) == Healthy })
	})
}

func TestHealthchecksOff(t *testing.T) {
	t.Parallel()
	sick := newBackend(t)
	sick.status.Store(500)
	bal := start(t, fixture.Upstream("backend"), targets(sick.addr, 100), Options{})
	for range 10 {
		if _, err := proxy(t, bal, nil); err != nil {
			t.Fatalf("Pick without health checks: %v", err)
		}
	}
	if h := healthOf(bal, sick.addr); h != HealthchecksOff {
		t.Fatalf("health %s, want HEALTHCHECKS_OFF", h)
	}
	if h := bal.UpstreamHealth(); h != HealthchecksOff {
		t.Fatalf("upstream health %s, want HEALTHCHECKS_OFF", h)
	}

	// A mark by hand shows even without checks: the operator must see why
	// the target gets no traffic.
	if err := bal.SetHealth(sick.addr, "", false); err != nil {
		t.Fatal(err)
	}
	if h := healthOf(bal, sick.addr); h != Unhealthy {
		t.Fatalf("health after marking unhealthy %s, want UNHEALTHY", h)
	}
	if h := bal.UpstreamHealth(); h != Unhealthy {
		t.Fatalf("upstream health after marking its only target unhealthy %s, want UNHEALTHY", h)
	}
	if _, err := bal.Pick(nil); err == nil {
		t.Fatal("Pick succeeded with the only target marked unhealthy")
	}
}

func TestThreshold(t *testing.T) {
	t.Parallel()
	up := fixture.Upstream("backend", passiveChecks)
	up.Healthchecks.Threshold = 60
	bal := start(t, up, targets("10.0.0.1:80", 100, "10.0.0.2:80", 100, "10.0.0.3:80", 100, "10.0.0.4:80", 100), Options{})
	down := func(target string) {
		t.Helper()
		if err := bal.SetHealth(target, "", false); err != nil {
			t.Fatal(err)
		}
	}
	down("10.0.0.1:80")
	if _, err := bal.Pick(nil); err != nil || bal.UpstreamHealth() != Healthy {
		t.Fatalf("75%% healthy weight with threshold 60: Pick %v, upstream %s", err, bal.UpstreamHealth())
	}
	down("10.0.0.2:80")
	if _, err := bal.Pick(nil); !errors.Is(err, ErrNoPeer) {
		t.Fatalf("50%% healthy weight with threshold 60: Pick %v, want ErrNoPeer", err)
	}
	if h := bal.UpstreamHealth(); h != Unhealthy {
		t.Fatalf("upstream health %s, want UNHEALTHY", h)
	}
	if err := bal.SetHealth("10.0.0.2:80", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := bal.Pick(nil); err != nil {
		t.Fatalf("back to 75%%: Pick %v", err)
	}
}
