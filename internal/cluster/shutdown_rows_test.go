package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestShutdownRecordsDisconnects stops a control plane with a data plane
// connected: the row it leaves in the database says disconnected, so other
// control planes (and this one restarted) do not list a connection that
// ended.
func TestShutdownRecordsDisconnects(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	st := newStore(t)
	a := startCP(t, st, cert)
	a.synced(t)
	d := startDP(t, []string{a.addr}, cert)
	stored := func() (store.DataPlaneRow, bool) {
		rows, err := st.(store.DataPlaneStore).ListDataPlanes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.ID == d.id {
				return r, true
			}
		}
		return store.DataPlaneRow{}, false
	}
	testutil.Eventually(t, "the DP's row is stored connected", 10*time.Second, func() bool {
		r, ok := stored()
		return ok && r.Connected
	})
	stopCP(t, a)
	if r, _ := stored(); r.Connected {
		t.Fatal("the control plane stopped, yet its data plane's row is stored connected")
	}
}
