package balancer

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// testResolver answers from a table the test edits; names not in it fail
// the way a DNS server's NXDOMAIN does.
type testResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
}

func (r *testResolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hosts == nil {
		r.hosts = map[string][]string{}
	}
	if addrs == nil {
		delete(r.hosts, host)
		return
	}
	r.hosts[host] = addrs
}

func (r *testResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestDNSTargets(t *testing.T) {
	t.Parallel()
	t.Run("every address gets the target's weight", func(t *testing.T) {
		t.Parallel()
		res := &testResolver{}
		res.set("svc.test", "127.0.0.1", "127.0.0.2")
		bal := start(t, fixture.Upstream("backend"), targets("svc.test:8080", 100, "127.0.0.9:80", 100), Options{Resolver: res})
		got := map[string]int{}
		for range 300 {
			p, err := bal.Pick(nil)
			if err != nil {
				t.Fatal(err)
			}
			bal.Done(p, Result{Status: 200})
			got[p.Addr]++
			if p.Target == "svc.test:8080" && p.Host != "svc.test" {
				t.Fatalf("peer of a host-name target has Host %q, want svc.test", p.Host)
			}
		}
		for _, addr := range []string{"127.0.0.1:8080", "127.0.0.2:8080", "127.0.0.9:80"} {
			if got[addr] != 100 {
				t.Fatalf("picks per address %s, want 100 each for %s", describe(got), addr)
			}
		}
	})
	t.Run("a failing name is DNS_ERROR and gets no traffic", func(t *testing.T) {
		t.Parallel()
		well := newBackend(t)
		bal := start(t, fixture.Upstream("backend", passiveChecks), targets("missing.test:80", 100, well.addr, 100), Options{Resolver: &testResolver{}})
		if h := healthOf(bal, "missing.test:80"); h != DNSError {
			t.Fatalf("health of an unresolvable target: %s, want DNS_ERROR", h)
		}
		if !onlyTo(t, bal, well.addr) {
			t.Fatal("an unresolvable target got traffic")
		}
	})
	t.Run("refresh follows the name", func(t *testing.T) {
		t.Parallel()
		a := newBackend(t)
		host, port, _ := net.SplitHostPort(a.addr)
		res := &testResolver{}
		res.set("svc.test", "127.0.0.7")
		bal := start(t, fixture.Upstream("backend"), targets("svc.test:"+port, 100), Options{Resolver: res, DNSRefresh: 30 * time.Millisecond})
		if p, _ := bal.Pick(nil); !strings.HasPrefix(p.Addr, "127.0.0.7:") {
			t.Fatalf("first pick %q, want 127.0.0.7", p.Addr)
		}
		res.set("svc.test", host)
		testutil.Eventually(t, "the new address to be used", waitHealth, func() bool {
			p, err := proxy(t, bal, nil)
			return err == nil && p.Addr == a.addr
		})
		res.set("svc.test") // the name disappears
		testutil.Eventually(t, "DNS_ERROR", waitHealth, func() bool { return healthOf(bal, "svc.test:"+port) == DNSError })
		if _, err := bal.Pick(nil); !errors.Is(err, ErrNoPeer) {
			t.Fatalf("Pick with the only name unresolvable: %v, want ErrNoPeer", err)
		}
		res.set("svc.test", host)
		testutil.Eventually(t, "the name to come back", waitHealth, func() bool { _, err := bal.Pick(nil); return err == nil })
	})
	t.Run("resolved and refreshed through a DNS server", func(t *testing.T) {
		t.Parallel()
		dns := newDNSServer(t)
		live := newBackend(t)
		_, port, _ := net.SplitHostPort(live.addr)
		dns.set("svc.test", "127.0.0.2") // loopback, but nothing listens there
		bal := start(t, fixture.Upstream("backend"), targets("svc.test:"+port, 100), Options{Resolver: dns.resolver(), DNSRefresh: 30 * time.Millisecond})
		if p, err := bal.Pick(nil); err != nil || p.Addr != "127.0.0.2:"+port {
			t.Fatalf("first pick %q (%v), want the address the DNS server gave", p.Addr, err)
		}
		dns.set("svc.test", "127.0.0.1")
		testutil.Eventually(t, "traffic to reach the new address", waitHealth, func() bool {
			p, err := proxy(t, bal, nil)
			return err == nil && p.Addr == live.addr
		})
		dns.set("svc.test") // NXDOMAIN from now on
		testutil.Eventually(t, "DNS_ERROR", waitHealth, func() bool { return healthOf(bal, "svc.test:"+port) == DNSError })
		if _, err := bal.Pick(nil); !errors.Is(err, ErrNoPeer) {
			t.Fatalf("Pick with the name gone: %v, want ErrNoPeer", err)
		}
		if q := dns.queries.Load(); q < 3 {
			t.Fatalf("the DNS server saw %d queries: the balancer did not ask it", q)
		}
	})
	t.Run("health survives a refresh that keeps the address", func(t *testing.T) {
		t.Parallel()
		res := &testResolver{}
		res.set("svc.test", "127.0.0.1")
		bal := start(t, fixture.Upstream("backend", passiveChecks), targets("svc.test:80", 100), Options{Resolver: res, DNSRefresh: 20 * time.Millisecond})
		if err := bal.SetHealth("svc.test:80", "127.0.0.1:80", false); err != nil {
			t.Fatal(err)
		}
		res.set("svc.test", "127.0.0.1", "127.0.0.2")
		testutil.Eventually(t, "the second address", waitHealth, func() bool {
			h := bal.Health()
			return len(h) == 1 && len(h[0].Addresses) == 2
		})
		for _, a := range bal.Health()[0].Addresses {
			want := Healthy
			if a.IP == "127.0.0.1" {
				want = Unhealthy
			}
			if a.Health != want {
				t.Fatalf("address %s is %s after the refresh, want %s", a.IP, a.Health, want)
			}
		}
	})
}
