package cluster_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/testutil"
)

func routes(d *testDP, path string) bool {
	s := d.snaps.Load()
	if s == nil {
		return false
	}
	_, r := s.Match(&router.Request{Method: "GET", Path: path, Host: "x"})
	return r != nil
}

func TestRejectedConfigKeepsThePreviousOne(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	addServiceRoute(t, c.store, "echo", "/echo")
	refuseBadOrigins := func(o *dp.Options) {
		o.ValidatePlugin = func(p *entity.Plugin) entity.Errors {
			if origins, _ := p.Config["origins"].([]any); len(origins) > 0 && origins[0] == "bad" {
				return entity.Errors{{Field: "config.origins[0]", Message: "not a valid origin"}}
			}
			return nil
		}
	}
	d := startDP(t, []string{c.addr}, cert, refuseBadOrigins)
	good := c.synced(t)
	testutil.Eventually(t, "first config applied", 5*time.Second, func() bool { return d.hash() == good })

	p := entity.NewPlugin()
	p.Name, p.Config = "cors", map[string]any{"origins": []any{"bad"}}
	if err := c.store.Insert(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	bad := c.synced(t)
	testutil.Eventually(t, "rejection shown on the CP", 5*time.Second, func() bool {
		r, _ := row(c, d.id)
		return r.LastRejection != nil && r.LastRejection.Hash == bad
	})
	r, _ := row(c, d.id)
	for _, want := range []string{"cors", "config.origins[0]", "not a valid origin"} {
		if !strings.Contains(r.LastRejection.Error, want) {
			t.Errorf("rejection %q does not mention %q", r.LastRejection.Error, want)
		}
	}
	if d.hash() != good || !routes(d, "/echo") {
		t.Fatalf("data plane runs %s after a rejection, want the previous %s", d.hash(), good)
	}
	if r.ConfigHash != good || r.RunsExpected {
		t.Errorf("row says config_hash %s runs_expected %v, want %s and false", r.ConfigHash, r.RunsExpected, good)
	}
}

func TestWrongCertificateIsRefused(t *testing.T) {
	t.Parallel()
	c := startCP(t, newStore(t), newCert(t))
	d := startDP(t, []string{c.addr}, newCert(t))
	testutil.Eventually(t, "both sides log the refusal", 5*time.Second, func() bool {
		return strings.Contains(c.logs.String(), "refused during the TLS handshake") &&
			strings.Contains(d.Status().LastError, "not this data plane's cluster_cert")
	})
	if _, ok := row(c, d.id); ok {
		t.Fatal("a data plane with a foreign certificate got a row")
	}
}

func TestDataPlaneRestartsFromItsCacheWithoutTheControlPlane(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	addServiceRoute(t, c.store, "echo", "/echo")
	d := startDP(t, []string{c.addr}, cert)
	want := c.synced(t)
	testutil.Eventually(t, "config applied", 5*time.Second, func() bool { return d.hash() == want })
	d.stop()

	// Nothing listens on the address any more.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	again := &testDP{id: d.id, prefix: d.prefix, logs: &logBuffer{}}
	again.start(t, []string{dead}, cert)
	if again.hash() != want || !routes(again, "/echo") {
		t.Fatalf("restarted data plane runs %q, want the cached %s", again.hash(), want)
	}
	if st := again.Status(); st.Source != "cache" {
		t.Fatalf("source = %q, want cache", st.Source)
	}
}

func TestControlPlaneRestartDataPlanesReconnectAndConverge(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	st := newStore(t)
	c := startCP(t, st, cert)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	spare := ln.Addr().String()
	ln.Close()
	// The DPs know two addresses: the first CP, then where the second will run.
	d := startDP(t, []string{c.addr, spare}, cert)
	addServiceRoute(t, st, "one", "/one")
	testutil.Eventually(t, "first config", 5*time.Second, func() bool { return d.hash() == c.synced(t) })

	stopCP(t, c)
	addServiceRoute(t, st, "two", "/two") // written while no CP runs
	if !routes(d, "/one") {
		t.Fatal("data plane stopped serving when the control plane went away")
	}
	c2 := startCPAt(t, st, cert, spare)
	want := c2.synced(t)
	testutil.Eventually(t, "data plane converged on the new CP", 10*time.Second, func() bool { return d.hash() == want })
	if !routes(d, "/two") {
		t.Fatal("data plane does not serve the route written while the CP was down")
	}
}

func TestPayloadLimits(t *testing.T) {
	t.Parallel()
	t.Run("CP refuses to push above its cluster_max_config_size", func(t *testing.T) {
		t.Parallel()
		cert := newCert(t)
		c := startCP(t, newStore(t), cert, func(o *cp.Options) { o.MaxConfigSize = 1500 })
		d := startDP(t, []string{c.addr}, cert)
		addServiceRoute(t, c.store, "small", "/small")
		small := c.synced(t)
		testutil.Eventually(t, "small config applied", 5*time.Second, func() bool { return d.hash() == small })
		for i := range 20 {
			addServiceRoute(t, c.store, fmt.Sprintf("big%d", i), fmt.Sprintf("/big%d", i))
		}
		big := c.synced(t)
		testutil.Eventually(t, "the CP logs the refusal", 5*time.Second, func() bool { return strings.Contains(c.logs.String(), "too large to push") })
		time.Sleep(300 * time.Millisecond)
		if d.hash() == big || !routes(d, "/small") {
			t.Fatal("a configuration above cluster_max_config_size was pushed")
		}
	})
	t.Run("DP rejects above its own cluster_max_payload", func(t *testing.T) {
		t.Parallel()
		cert := newCert(t)
		c := startCP(t, newStore(t), cert)
		d := startDP(t, []string{c.addr}, cert, func(o *dp.Options) { o.MaxPayload = 600 })
		addServiceRoute(t, c.store, "small", "/small")
		small := c.synced(t)
		testutil.Eventually(t, "small config applied", 5*time.Second, func() bool { return d.hash() == small })
		for i := range 20 {
			addServiceRoute(t, c.store, fmt.Sprintf("big%d", i), fmt.Sprintf("/big%d", i))
		}
		big := c.synced(t)
		testutil.Eventually(t, "rejection shown", 5*time.Second, func() bool {
			r, _ := row(c, d.id)
			return r.LastRejection != nil && r.LastRejection.Hash == big && strings.Contains(r.LastRejection.Error, "cluster_max_payload")
		})
		// Intermediate versions may have fitted; the big one must not run,
		// and what runs still serves.
		if d.hash() == big || !routes(d, "/small") {
			t.Fatal("the data plane runs the oversized configuration or dropped its own")
		}
	})
}
