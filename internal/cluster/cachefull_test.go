package cluster_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestCacheSignedAgainAfterALongChainOfDeltas: a data plane following more
// changes than its config cache keeps deltas for asks the control plane for
// the whole configuration, so its cache soon holds only payloads the CP
// signed again (a cache peers may take), at the version it runs.
func TestCacheSignedAgainAfterALongChainOfDeltas(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	st := newStore(t)
	c := startCP(t, st, cert)
	addServiceRoute(t, st, "svc", "/svc")
	c.synced(t)
	d := startDP(t, []string{c.addr}, cert)
	for i := range wire.MaxCacheDeltas + 8 {
		want := c.synced(t)
		testutil.Eventually(t, "the DP runs the CP's configuration", 10*time.Second, func() bool { return d.hash() == want })
		addServiceRoute(t, st, fmt.Sprintf("svc-%d", i), fmt.Sprintf("/p%d", i))
	}
	want := c.synced(t)
	var last *wire.Cached
	testutil.Eventually(t, "the DP's cache holds the running configuration, signed by the CP", 10*time.Second, func() bool {
		cc, err := wire.ReadCache(filepath.Join(d.prefix, wire.CacheFile))
		last = cc
		return err == nil && cc.Hash == want && cc.Signed()
	})
	if len(last.Deltas) > wire.MaxCacheDeltas {
		t.Fatalf("the cache holds %d deltas", len(last.Deltas))
	}
	if n := c.logs.count("data plane rejected"); n != 0 {
		t.Fatalf("%d rejections logged", n)
	}
}
