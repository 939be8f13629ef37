package balancer

import (
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

const waitHealth = 5 * time.Second

// activeChecks probes every 50 ms and flips health on the first failure or
// success.
func activeChecks(kind string) func(u *entity.Upstream) {
	return func(u *entity.Upstream) {
		a := &u.Healthchecks.Active
		a.Type, a.Timeout = kind, 0.5
		a.Healthy.Interval, a.Healthy.Successes = 0.05, 1
		a.Unhealthy.Interval, a.Unhealthy.TCPFailures, a.Unhealthy.HTTPFailures, a.Unhealthy.Timeouts = 0.05, 1, 1, 1
	}
}

// onlyTo reports whether 30 picks all go to addr.
func onlyTo(t *testing.T, b *Balancer, addr string) bool {
	t.Helper()
	got := picks(t, b, 30, nil)
	return got[addr] == 30
}

func TestActiveChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		kind  string
		down  func(t *testing.T, b *backend)
		up    func(t *testing.T, b *backend)
		extra func(u *entity.Upstream)
	}{
		{name: "http server closed then restarted", kind: "http",
			down: func(t *testing.T, b *backend) { b.srv.Close() },
			up:   func(t *testing.T, b *backend) { b.restart(t) }},
		{name: "tcp server closed then restarted", kind: "tcp",
			down: func(t *testing.T, b *backend) { b.srv.Close() },
			up:   func(t *testing.T, b *backend) { b.restart(t) }},
		{name: "http status 500 then 200", kind: "http",
			down: func(t *testing.T, b *backend) { b.status.Store(500) },
			up:   func(t *testing.T, b *backend) { b.status.Store(200) }},
		{name: "http timeout then fast again", kind: "http",
			extra: func(u *entity.Upstream) { u.Healthchecks.Active.Timeout = 0.1 },
			down:  func(t *testing.T, b *backend) { b.delay.Store(int64(300 * time.Millisecond)) },
			up:    func(t *testing.T, b *backend) { b.delay.Store(0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sick, well := newBackend(t), newBackend(t)
			up := fixture.Upstream("backend", activeChecks(tc.kind))
			if tc.extra != nil {
				tc.extra(up)
			}
			bal := start(t, up, targets(sick.addr, 100, well.addr, 100), Options{})
			if h := healthOf(bal, sick.addr); h != Healthy {
				t.Fatalf("before the failure the target is %s, want HEALTHY", h)
			}
			tc.down(t, sick)
			testutil.Eventually(t, "the failing target to turn UNHEALTHY", waitHealth, func() bool {
				return healthOf(bal, sick.addr) == Unhealthy
			})
			if !onlyTo(t, bal, well.addr) {
				t.Fatal("an UNHEALTHY target still gets picked")
			}
			if h := healthOf(bal, well.addr); h != Healthy {
				t.Fatalf("the working target is %s, want HEALTHY", h)
			}
			tc.up(t, sick)
			testutil.Eventually(t, "the repaired target to turn HEALTHY", waitHealth, func() bool {
				return healthOf(bal, sick.addr) == Healthy
			})
			if got := picks(t, bal, 30, nil); got[sick.addr] == 0 {
				t.Fatalf("the repaired target gets no traffic: %s", describe(got))
			}
		})
	}
}

func TestActiveCheckSendsPathAndHeaders(t *testing.T) {
	t.Parallel()
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" || r.Header.Get("X-Probe") != "yes" || r.Host != "api.internal" {
			bad.Add(1)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	up := fixture.Upstream("backend", activeChecks("http"))
	up.HostHeader = "api.internal"
	up.Healthchecks.Active.HTTPPath = "/status"
	up.Healthchecks.Active.Headers = map[string][]string{"X-Probe": {"yes"}}
	bal := start(t, up, targets(addr, 100), Options{})
	time.Sleep(300 * time.Millisecond) // several probe rounds
	if n := bad.Load(); n > 0 || healthOf(bal, addr) != Healthy {
		t.Fatalf("probes with the configured path, headers and host: %d rejected, health %s", n, healthOf(bal, addr))
	}
}

func TestActiveHTTPSCheck(t *testing.T) {
	t.Parallel()
	var status atomic.Int64
	status.Store(200)
	var sni atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sni.Store(r.TLS.ServerName)
		w.WriteHeader(int(status.Load()))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point of a case
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	cases := []struct {
		name   string
		verify bool
		roots  *x509.CertPool
		want   string
	}{
		{"trusted certificate", true, roots, Healthy},
		{"untrusted certificate", true, x509.NewCertPool(), Unhealthy},
		{"verification off", false, x509.NewCertPool(), Healthy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up := fixture.Upstream("backend", activeChecks("https"))
			up.Healthchecks.Active.HTTPSSni = "example.com" // in httptest's certificate
			up.Healthchecks.Active.HTTPSVerifyCertificate = tc.verify
			bal := start(t, up, targets(addr, 100), Options{RootCAs: tc.roots})
			testutil.Eventually(t, "health "+tc.want, waitHealth, func() bool { return healthOf(bal, addr) == tc.want })
			time.Sleep(150 * time.Millisecond) // and it stays so
			if h := healthOf(bal, addr); h != tc.want {
				t.Fatalf("health %s, want %s", h, tc.want)
			}
		})
	}
	t.Run("sni sent", func(t *testing.T) {
		t.Parallel()
		up := fixture.Upstream("backend", activeChecks("https"))
		up.Healthchecks.Active.HTTPSSni = "example.com"
		start(t, up, targets(addr, 100), Options{RootCAs: roots})
		testutil.Eventually(t, "a probe to arrive", waitHealth, func() bool { return sni.Load() == "example.com" })
	})
}

func TestActiveCheckConcurrency(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			if p := peak.Load(); n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(40 * time.Millisecond)
	})
	var pairs []any
	for range 5 {
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		pairs = append(pairs, srv.Listener.Addr().String(), 100)
	}
	up := fixture.Upstream("backend", activeChecks("http"))
	up.Healthchecks.Active.Concurrency = 2
	start(t, up, targets(pairs...), Options{})
	time.Sleep(400 * time.Millisecond)
	if p := peak.Load(); p != 2 {
		t.Fatalf("at most %d probes ran at once, want exactly concurrency=2", p)
	}
}
