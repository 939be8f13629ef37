package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/testutil"
)

func TestRouteReachesEveryDataPlane(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	dps := []*testDP{startDP(t, []string{c.addr}, cert), startDP(t, []string{c.addr}, cert)}
	for _, d := range dps {
		testutil.Eventually(t, "data plane connected", 5*time.Second, func() bool { r, ok := row(c, d.id); return ok && r.Connected })
	}
	start := time.Now()
	addServiceRoute(t, c.store, "echo", "/echo")
	for _, d := range dps {
		testutil.Eventually(t, "route on data plane", 5*time.Second, func() bool {
			s := d.snaps.Load()
			if s == nil {
				return false
			}
			_, r := s.Match(&router.Request{Method: "GET", Path: "/echo", Host: "x"})
			return r != nil
		})
	}
	t.Logf("route served by %d data planes %s after the write", len(dps), time.Since(start))
	_, hash := c.Current()
	for _, d := range dps {
		testutil.Eventually(t, "data plane row normal with the CP's hash", 5*time.Second, func() bool {
			r, _ := row(c, d.id)
			return r.SyncStatus == cp.StatusNormal && r.ConfigHash == hash && r.RunsExpected
		})
		r, _ := row(c, d.id)
		if r.Hostname != "dp-"+d.id[:8] || r.IP != "127.0.0.1" || r.Labels["region"] != "test" || r.Version != "1.4.0" {
			t.Errorf("row %+v does not describe the data plane", r)
		}
		if r.CertDetails.ExpiryTimestamp < time.Now().Add(29*24*time.Hour).Unix() {
			t.Errorf("cert_details.expiry_timestamp = %d, want the cert's expiry in 30 days", r.CertDetails.ExpiryTimestamp)
		}
	}
}

func TestDeltaAndFullEndWithTheSameHash(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	for i := range 20 {
		addServiceRoute(t, c.store, "svc"+string(rune('a'+i)), "/p"+string(rune('a'+i)))
	}
	early := startDP(t, []string{c.addr}, cert)
	h0 := c.synced(t)
	testutil.Eventually(t, "first config on early DP", 5*time.Second, func() bool { return early.hash() == h0 })

	addServiceRoute(t, c.store, "late", "/late")
	if err := c.store.Delete(context.Background(), entity.KindRoute, "svca-route"); err != nil {
		t.Fatal(err)
	}
	// Both changes, not only the first: the CP may build a version between them.
	h1 := c.synced(t)
	if h1 == h0 {
		t.Fatal("the changes did not change the configuration's hash")
	}
	testutil.Eventually(t, "early DP converged", 5*time.Second, func() bool { return early.hash() == h1 })
	if !strings.Contains(c.logs.String(), "delta=true") {
		t.Fatalf("the early data plane never received a delta; CP log:\n%s", c.logs)
	}
	fresh := startDP(t, []string{c.addr}, cert)
	testutil.Eventually(t, "fresh DP converged", 5*time.Second, func() bool { return fresh.hash() == h1 })
	if early.hash() != fresh.hash() {
		t.Fatalf("delta-fed hash %s != full-fed hash %s", early.hash(), fresh.hash())
	}
	if _, r := fresh.snaps.Load().Match(&router.Request{Method: "GET", Path: "/late", Host: "x"}); r == nil {
		t.Fatal("fresh data plane does not route /late")
	}
	if _, r := early.snaps.Load().Match(&router.Request{Method: "GET", Path: "/pa", Host: "x"}); r != nil {
		t.Fatal("early data plane still routes the deleted route /pa")
	}
}

func TestBurstOfChangesCoalesces(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	d := startDP(t, []string{c.addr}, cert)
	for i := range 30 {
		addServiceRoute(t, c.store, fmt.Sprintf("burst%d", i), fmt.Sprintf("/b%d", i))
	}
	exp, err := c.store.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "DP runs the final config", 5*time.Second, func() bool { return d.hash() == exp.Hash() })
	if n := strings.Count(d.logs.String(), "configuration applied"); n > 30 {
		t.Errorf("data plane applied %d configurations for 60 writes; bursts should coalesce", n)
	}
}
