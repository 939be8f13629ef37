package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestDataPlanesListedByEveryControlPlane runs two control planes on one
// PostgreSQL database with a data plane connected to A only: B lists it
// too, its heartbeats written to the database push no configuration, B
// sees it disconnect, and a control plane started afresh on the database
// lists it without any data plane connecting to it.
func TestDataPlanesListedByEveryControlPlane(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	stA, stB := sharedDatabase(t)
	fast := func(o *cp.Options) { o.Timing.Write = 100 * time.Millisecond }
	a := startCP(t, stA, cert, fast)
	b := startCP(t, stB, cert, fast)
	addServiceRoute(t, stA, "svc", "/svc")
	want := a.synced(t)
	d := startDP(t, []string{a.addr}, cert)

	testutil.Eventually(t, "CP B lists the DP connected to A, running the expected configuration", 10*time.Second, func() bool {
		r, ok := row(b, d.id)
		return ok && r.Connected && r.RunsExpected && r.ConfigHash == want &&
			r.Hostname == "dp-"+d.id[:8] && r.Labels["region"] == "test" && r.CertDetails.ExpiryTimestamp > 0
	})
	if b.logs.count("data plane connected") != 0 {
		t.Fatal("CP B logged a connection it never had")
	}
	listed, err := b.DataPlanes(context.Background())
	if err != nil || len(listed) != 1 || listed[0].(map[string]any)["id"] != d.id {
		t.Fatalf("CP B's GET /clustering/data-planes = %v, %v; want the one DP of CP A", listed, err)
	}

	// Heartbeats keep reaching the database, yet the configuration
	// version stays: DP rows are not configuration.
	rev, err := stA.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := func() int64 { r, _ := row(b, d.id); return r.LastSeen }
	first := seen()
	testutil.Eventually(t, "CP B sees last_seen move on", 5*time.Second, func() bool { return seen() > first })
	if now, err := stA.Revision(context.Background()); err != nil || now != rev {
		t.Fatalf("revision went from %d to %d (%v) on data-plane heartbeats", rev, now, err)
	}
	if n := a.logs.count("configuration pushed"); n > 1 {
		t.Fatalf("CP A pushed %d configurations to one DP whose configuration never changed", n)
	}

	d.stop()
	testutil.Eventually(t, "CP B sees the DP disconnected", 10*time.Second, func() bool {
		r, ok := row(b, d.id)
		return ok && !r.Connected
	})

	stopCP(t, a)
	fresh := startCP(t, stA, cert, fast)
	if r, ok := row(fresh, d.id); !ok || r.Connected || r.ConfigHash != want {
		t.Fatalf("a control plane started afresh lists %+v (found %v); want the disconnected DP from the database", r, ok)
	}
}

// TestDataPlaneOfADeadControlPlane checks rows another control plane left
// marked connected: fresh ones are listed connected, ones not refreshed for
// longer than the heartbeat timeout are not, as their CP must have died.
func TestDataPlaneOfADeadControlPlane(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	c := startCP(t, st, newCert(t))
	ds := st.(store.DataPlaneStore)
	now := time.Now().Unix()
	for _, r := range []store.DataPlaneRow{
		{ID: "fresh", Connected: true, LastSeen: now, SyncStatus: cp.StatusNormal},
		{ID: "stale", Connected: true, LastSeen: now - 60, SyncStatus: cp.StatusNormal},
	} {
		if err := ds.UpsertDataPlane(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]bool{"fresh": true, "stale": false} {
		if r, ok := row(c, id); !ok || r.Connected != want {
			t.Errorf("row %s = %+v (listed %v), want connected = %v", id, r, ok, want)
		}
	}
}
