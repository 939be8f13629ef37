package cluster_test

import (
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestControlPlanesSharingPostgreSQL runs two control planes on one
// database: a write through either reaches data planes of both, both number
// versions alike (the store's revision), and a data plane moving from one
// control plane to the other needs no new push.
func TestControlPlanesSharingPostgreSQL(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	stA, stB := sharedDatabase(t)
	a := startCP(t, stA, cert)
	b := startCP(t, stB, cert)
	onA := startDP(t, []string{a.addr}, cert)
	onB := startDP(t, []string{b.addr}, cert)

	addServiceRoute(t, stB, "via-b", "/via-b") // written through CP B
	want := b.synced(t)
	for _, d := range []*testDP{onA, onB} {
		testutil.Eventually(t, "both data planes run the write", 10*time.Second, func() bool { return d.hash() == want })
	}
	testutil.Eventually(t, "both CPs at the same version", 10*time.Second, func() bool {
		va, ha := a.Current()
		vb, hb := b.Current()
		return va == vb && ha == hb && ha == want
	})

	// onA moves to CP B: it already runs B's version, so nothing is pushed.
	pushes := b.logs.count("configuration pushed")
	onA.stop()
	moved := &testDP{id: onA.id, prefix: onA.prefix, logs: &logBuffer{}}
	moved.start(t, []string{b.addr}, cert)
	testutil.Eventually(t, "the moved DP listed normal on B", 10*time.Second, func() bool {
		r, ok := row(b, moved.id)
		return ok && r.Connected && r.RunsExpected
	})
	if n := b.logs.count("configuration pushed"); n != pushes {
		t.Fatalf("CP B pushed %d configurations to a data plane that already ran its version", n-pushes)
	}
	if _, ok := row(a, moved.id); !ok {
		t.Fatal("CP A forgot the data plane it served (rows stay until purged)")
	}
}
