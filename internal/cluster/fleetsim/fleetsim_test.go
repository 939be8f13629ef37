package fleetsim_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/fleetsim"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
	"github.com/gantryhq/gantry/internal/testutil"
)

const version = "1.4.2"

func newCert(tb testing.TB) *clustertls.Cert {
	tb.Helper()
	dir := tb.TempDir()
	crt, key := filepath.Join(dir, "cluster.crt"), filepath.Join(dir, "cluster.key")
	if err := clustertls.GenCert(crt, key, 30, time.Now()); err != nil {
		tb.Fatal(err)
	}
	c, err := clustertls.Load(crt, key)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newStore(tb testing.TB) store.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "cp.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// runningCP is a real control plane on a loopback port.
type runningCP struct {
	*cp.ControlPlane
	addr string
	stop func()
	logs *testutil.Buffer
}

// startCP runs a control plane on addr ("127.0.0.1:0" for any port).
func startCP(tb testing.TB, st store.Store, cert *clustertls.Cert, addr string) *runningCP {
	tb.Helper()
	var ln net.Listener
	var err error
	for range 50 { // a restarted CP takes its predecessor's port
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	logs := &testutil.Buffer{}
	c, err := cp.New(cp.Options{Store: st, Cert: cert, Version: version,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Timing: cp.Timing{Heartbeat: time.Second, Timeout: 5 * time.Second, Write: 200 * time.Millisecond}})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx, []net.Listener{ln}) }()
	r := &runningCP{ControlPlane: c, addr: ln.Addr().String(), logs: logs}
	var once sync.Once
	r.stop = func() { once.Do(func() { cancel(); <-done }) }
	tb.Cleanup(r.stop)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("control plane log:\n%s", logs)
		}
	})
	return r
}

// publish makes routes+extra routes the CP's configuration and returns its hash.
func publish(tb testing.TB, c *runningCP, extra int, rev int64) string {
	tb.Helper()
	cfg := fleetsim.Config(10, 100, extra)
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	d := cfg.DigestCached(&entity.DigestCache{})
	if err := c.Publish(context.Background(), cfg, d, rev); err != nil {
		tb.Fatal(err)
	}
	return d.Hash
}

func startFleet(tb testing.TB, ctx context.Context, addr string, cert *clustertls.Cert, n int) *fleetsim.Fleet {
	tb.Helper()
	f, err := fleetsim.Start(ctx, fleetsim.Options{Addr: addr, TLS: clustertls.ClientConfig(cert), N: n, Version: version,
		Heartbeat: 500 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// convergedFleet runs a control plane on st serving a first configuration
// and n simulated data planes, and waits until all of them run it.
func convergedFleet(tb testing.TB, st store.Store, cert *clustertls.Cert, n int) (*runningCP, *fleetsim.Fleet, string) {
	tb.Helper()
	c := startCP(tb, st, cert, "127.0.0.1:0")
	hash := publish(tb, c, 0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel) // before the CP stops: cleanups run last first
	f := startFleet(tb, ctx, c.addr, cert, n)
	waitConverged(tb, f, hash)
	return c, f, hash
}

// waitConverged waits (90 s at most) until every session of f runs hash
// and returns when each applied it.
func waitConverged(tb testing.TB, f *fleetsim.Fleet, hash string) []time.Time {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	times, err := f.WaitConverged(ctx, hash)
	if err != nil {
		tb.Fatal(err)
	}
	return times
}

// TestFleetConverges runs 50 simulated data planes against a real control
// plane: every one gets the whole configuration, then each change as a
// delta, and the control plane lists them all running it.
func TestFleetConverges(t *testing.T) {
	t.Parallel()
	const n = 50
	c, f, _ := convergedFleet(t, newStore(t), newCert(t), n)
	h2 := publish(t, c, 1, 2)
	waitConverged(t, f, h2)
	for _, s := range f.Sessions() {
		if s.Fulls.Load() != 1 || s.Deltas.Load() != 1 || s.Rejects.Load() != 0 || s.Resyncs.Load() != 0 {
			t.Fatalf("%s: %d full pushes, %d deltas, %d rejected, %d resyncs; want one full push and one delta",
				s.ID, s.Fulls.Load(), s.Deltas.Load(), s.Rejects.Load(), s.Resyncs.Load())
		}
		if s.DeltaBytes.Load() >= s.FullBytes.Load() {
			t.Fatalf("%s: delta of %d bytes, full push of %d: want the delta smaller", s.ID, s.DeltaBytes.Load(), s.FullBytes.Load())
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := c.List()
		running := 0
		for _, r := range rows {
			if r.Connected && r.ConfigHash == h2 && r.RunsExpected {
				running++
			}
		}
		if running == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the control plane lists %d of %d data planes connected and running %s", running, n, h2)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReconnectStormConverges restarts the control plane under a fleet of
// simulated data planes: all of them reconnect at once, the throttled
// handshakes let every one back in, and each converges on a change made
// after the restart.
func TestReconnectStormConverges(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	st := newStore(t)
	const n = 200
	c, f, _ := convergedFleet(t, st, cert, n)
	c.stop()
	c2 := startCP(t, st, cert, c.addr)
	publish(t, c2, 0, 1)
	waitConverged(t, f, publish(t, c2, 1, 2))
	reconnected := 0
	for _, s := range f.Sessions() {
		if s.Connects.Load() >= 2 {
			reconnected++
		}
	}
	if reconnected != n {
		t.Fatalf("%d of %d data planes reconnected", reconnected, n)
	}
}

// TestFleetWithAnotherCertificate checks that the simulator speaks mTLS for
// real: sessions with a certificate the control plane does not trust never
// connect and say why.
func TestFleetWithAnotherCertificate(t *testing.T) {
	t.Parallel()
	c := startCP(t, newStore(t), newCert(t), "127.0.0.1:0")
	publish(t, c, 0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := startFleet(t, ctx, c.addr, newCert(t), 3)
	wait, stop := context.WithTimeout(ctx, 2*time.Second)
	defer stop()
	if err := f.WaitConnected(wait); err == nil {
		t.Fatal("sessions with an untrusted certificate connected")
	} else if n, _ := f.Counts(""); n != 0 {
		t.Fatalf("%d sessions connected with an untrusted certificate: %v", n, err)
	}
}

// TestStartChecksOptions checks that bad options are refused with the
// field named.
func TestStartChecksOptions(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	for _, tc := range []struct {
		name string
		opts fleetsim.Options
		want string
	}{
		{"no address", fleetsim.Options{TLS: clustertls.ClientConfig(cert), N: 1, Version: version}, "Options.Addr"},
		{"no tls", fleetsim.Options{Addr: "127.0.0.1:1", N: 1, Version: version}, "Options.TLS"},
		{"no sessions", fleetsim.Options{Addr: "127.0.0.1:1", TLS: clustertls.ClientConfig(cert), Version: version}, "Options.N"},
		{"no version", fleetsim.Options{Addr: "127.0.0.1:1", TLS: clustertls.ClientConfig(cert), N: 1}, "Options.Version"},
	} {
		if _, err := fleetsim.Start(context.Background(), tc.opts); err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: err = %v, want one naming %s", tc.name, err, tc.want)
		}
	}
}
