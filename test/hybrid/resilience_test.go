package hybrid

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/testutil"
)

// load sends requests to every DP at a steady pace until stop is closed
// and counts failures; the loop is bounded in count.
func load(dps []*proc, path string, stop <-chan struct{}) (ok, failed *atomic.Int64, wait func()) {
	ok, failed = &atomic.Int64{}, &atomic.Int64{}
	var wg sync.WaitGroup
	for _, dp := range dps {
		wg.Go(func() {
			for range 2000 {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if serves(dp, path) {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	return ok, failed, wg.Wait
}

// TestCPKilledDPsKeepServingThenConverge SIGKILLs the control plane under
// steady load, then restarts it.
func TestCPKilledDPsKeepServingThenConverge(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	addr := testutil.ClosedAddr(t)
	cp := c.cpAt(t, addr)
	up := upstream(t)
	dps := []*proc{c.dp(t, "dp1", addr), c.dp(t, "dp2", addr)}
	addRoute(t, cp, "steady", up, "/steady")
	for _, dp := range dps {
		testutil.Eventually(t, dp.Name+" serves", 15*time.Second, func() bool { return serves(dp, "/steady") })
	}
	stop := make(chan struct{})
	ok, failed, wait := load(dps, "/steady", stop)
	time.Sleep(500 * time.Millisecond)
	cp.Kill()
	time.Sleep(2 * time.Second)
	close(stop)
	wait()
	t.Logf("%d requests while the CP was killed, %d failed", ok.Load()+failed.Load(), failed.Load())
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Fatalf("%d of %d requests failed with the CP gone", failed.Load(), ok.Load()+failed.Load())
	}

	cp.Restart() // same prefix, same database, same cluster address
	addRoute(t, cp, "after", up, "/after")
	for _, dp := range dps {
		testutil.Eventually(t, dp.Name+" reconnected and converged", 45*time.Second, func() bool { return serves(dp, "/after") })
		testutil.Eventually(t, dp.Name+" listed normal", 15*time.Second, func() bool {
			r, _ := rowOf(t, cp, dp)
			return r.SyncStatus == "normal" && r.RunsExpected
		})
	}
}

// TestDPRestartedWhileCPDownServesItsCache.
func TestDPRestartedWhileCPDownServesItsCache(t *testing.T) {
	t.Parallel()
	dp := restartedWithoutCP(t)
	if !serves(dp, "/cached") {
		t.Fatal("restarted data plane does not serve its cached configuration")
	}
	if code := call(t, "GET", dp.StatusURL()+"/status/ready", nil, nil); code != 200 {
		t.Fatalf("/status/ready = %d on a DP serving its cache, want 200", code)
	}
}

// TestCacheSurvivesCrashes kills a data plane at random moments while
// configurations keep arriving: every restart loads a valid cache.
func TestCacheSurvivesCrashes(t *testing.T) {
	t.Parallel()
	cp, dp, up := servingCached(t, "base")
	for i := range 6 {
		for j := range 3 {
			addRoute(t, cp, fmt.Sprintf("r%d-%d", i, j), up, fmt.Sprintf("/r%d-%d", i, j))
		}
		time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		dp.Kill()
		before := strings.Count(dp.out.String(), "source=cache")
		dp.Restart()
		if strings.Contains(dp.out.String(), "config cache not used") {
			t.Fatalf("crash %d left a cache that does not load", i)
		}
		if strings.Count(dp.out.String(), "source=cache") != before+1 || !serves(dp, "/base") {
			t.Fatalf("crash %d: the data plane did not start from its cache", i)
		}
	}
}

// TestConnectionEventsAtNoticeLevel: at the default log level a data plane
// says when it connects, when it loses the control plane and when the
// connection comes back.
func TestConnectionEventsAtNoticeLevel(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	addr := testutil.ClosedAddr(t)
	cp := c.cpAt(t, addr)
	dp := c.dp(t, "dp", addr, "GANTRY_LOG_LEVEL=notice") // the default level
	testutil.Eventually(t, "the data plane says it connected", 15*time.Second, func() bool {
		return strings.Contains(dp.out.String(), "connected to the control plane")
	})
	cp.Kill()
	testutil.Eventually(t, "the data plane says it lost the control plane", 15*time.Second, func() bool {
		return strings.Contains(dp.out.String(), "cluster connection lost or refused")
	})
	cp.Restart()
	testutil.Eventually(t, "the data plane says the connection is back", 45*time.Second, func() bool {
		return strings.Contains(dp.out.String(), "connection to the control plane restored")
	})
}

// TestCorruptedCacheOnStart: a data plane whose config cache file was
// damaged on disk (one byte flipped) does not load it: it says why, starts
// with no configuration, and serves the CP's once it connects.
func TestCorruptedCacheOnStart(t *testing.T) {
	t.Parallel()
	cp, dp, _ := servingCached(t, "kept")
	dp.Kill()
	path := filepath.Join(dp.Prefix, wire.CacheFile)
	data := readFile(t, path)
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cp.Kill()
	dp.Restart()
	if out := dp.out.String(); !strings.Contains(out, "config cache not used") || !strings.Contains(out, "checksum") {
		t.Fatalf("the damaged cache was not refused with its reason:\n%s", out)
	}
	if serves(dp, "/kept") || source(t, dp) != "empty" {
		t.Fatalf("the data plane serves from a damaged cache (source %q)", source(t, dp))
	}
	cp.Restart()
	testutil.Eventually(t, "the data plane serves the control plane's configuration", 45*time.Second, func() bool { return serves(dp, "/kept") })
}
