package cluster_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
	"github.com/gantryhq/gantry/internal/testutil"
)

// logBuffer is a concurrency-safe log sink tests can search.
type logBuffer struct{ testutil.Buffer }

func (l *logBuffer) count(s string) int { return strings.Count(l.String(), s) }

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newCert(t testing.TB) *clustertls.Cert {
	t.Helper()
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "cluster.crt"), filepath.Join(dir, "cluster.key")
	if err := clustertls.GenCert(crt, key, 30, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := clustertls.Load(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cp.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testCP is a running control plane on a loopback port.
type testCP struct {
	*cp.ControlPlane
	addr  string
	store store.Store
	logs  *logBuffer
	stop  func()
}

type cpOption func(*cp.Options)

// startCP starts a control plane fed as a node feeds it: the store's
// database provider hands every export to a pipeline whose applier is
// Publish.
func startCP(t testing.TB, st store.Store, cert *clustertls.Cert, mods ...cpOption) *testCP {
	t.Helper()
	return startCPAt(t, st, cert, "127.0.0.1:0", mods...)
}

// startCPUnfed starts a control plane that only the test publishes to.
func startCPUnfed(t testing.TB, st store.Store, cert *clustertls.Cert, mods ...cpOption) *testCP {
	t.Helper()
	return startCPFed(t, st, cert, "127.0.0.1:0", false, mods...)
}

// stopCP stops a control plane before the end of the test.
func stopCP(t testing.TB, c *testCP) {
	t.Helper()
	c.stop()
}

func startCPAt(t testing.TB, st store.Store, cert *clustertls.Cert, addr string, mods ...cpOption) *testCP {
	t.Helper()
	return startCPFed(t, st, cert, addr, true, mods...)
}

func startCPFed(t testing.TB, st store.Store, cert *clustertls.Cert, addr string, fed bool, mods ...cpOption) *testCP {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	opts := cp.Options{
		Store: st, Cert: cert, Logger: logs.logger(),
		Version: "1.4.2", Plugins: map[string]string{"cors": "1.2.0", "key-auth": "1.1.0"},
		Timing: cp.Timing{Heartbeat: 200 * time.Millisecond, Timeout: 1500 * time.Millisecond, Purge: 100 * time.Millisecond},
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := cp.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() { _ = c.Run(ctx, []net.Listener{ln}) })
	done := make(chan struct{})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			go func() { running.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("control plane did not stop within 10s")
			}
		})
	}
	t.Cleanup(stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("control plane log:\n%s", logs)
		}
	})
	if fed {
		pipe := pipeline.New(pipeline.ApplyFunc(func(ctx context.Context, u pipeline.Update) error {
			return c.Publish(ctx, u.Config.Config(), u.Config.Digest(), u.Version)
		}), opts.Logger)
		prov := &database.Provider{Store: st, Logger: opts.Logger, Stored: true, KeepEncodings: true}
		if err := prov.Initial(ctx, pipe); err != nil {
			t.Fatal(err)
		}
		running.Go(func() { _ = prov.Run(ctx, pipe) })
	}
	return &testCP{ControlPlane: c, addr: ln.Addr().String(), store: st, logs: logs, stop: stop}
}

// testDP is a running data plane agent whose Apply builds a real snapshot.
type testDP struct {
	*dp.Agent
	id     string
	prefix string
	snaps  *pipelinetest.Snapshots
	// wrap, when set, wraps the applier the agent's pipeline builds with.
	wrap func(pipeline.Applier) pipeline.Applier
	logs *logBuffer
	stop func()
}

type dpOption func(*dp.Options)

func withPlugins(p map[string]string) dpOption { return func(o *dp.Options) { o.Plugins = p } }

func startDP(t testing.TB, addrs []string, cert *clustertls.Cert, mods ...dpOption) *testDP {
	t.Helper()
	d := &testDP{id: uuid.NewString(), prefix: t.TempDir(), logs: &logBuffer{}}
	return d.start(t, addrs, cert, mods...)
}

// startDPWrapped is startDP with the applier wrapped by wrap.
func startDPWrapped(t testing.TB, addrs []string, cert *clustertls.Cert, wrap func(pipeline.Applier) pipeline.Applier) *testDP {
	t.Helper()
	d := &testDP{id: uuid.NewString(), prefix: t.TempDir(), logs: &logBuffer{}, wrap: wrap}
	return d.start(t, addrs, cert)
}

// start runs (or runs again, after stop) the agent in d's prefix.
func (d *testDP) start(t testing.TB, addrs []string, cert *clustertls.Cert, mods ...dpOption) *testDP {
	t.Helper()
	opts := dp.Options{
		ControlPlanes: addrs, Cert: cert, NodeID: d.id, Hostname: "dp-" + d.id[:8],
		Version: "1.4.0", Plugins: map[string]string{"cors": "1.2.0", "key-auth": "1.1.0"},
		Labels: map[string]string{"region": "test"}, Prefix: d.prefix, Logger: d.logs.logger(),
		Timing: dp.Timing{Heartbeat: 200 * time.Millisecond, Timeout: 1500 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond},
	}
	for _, m := range mods {
		m(&opts)
	}
	a, err := dp.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.snaps = &pipelinetest.Snapshots{}
	var applier pipeline.Applier = d.snaps
	if d.wrap != nil {
		applier = d.wrap(applier)
	}
	pipe := pipeline.New(applier, nil)
	if err := a.Initial(context.Background(), pipe); err != nil {
		t.Fatal(err)
	}
	d.Agent = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx, pipe) }()
	var once sync.Once
	d.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			d.snaps.Close()
		})
	}
	t.Cleanup(d.stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("data plane %s log:\n%s", d.id, d.logs)
		}
	})
	return d
}

func (d *testDP) hash() string {
	if s := d.snaps.Load(); s != nil {
		return s.Hash()
	}
	return ""
}

// synced waits until the CP pushes what its store holds and returns that hash.
func (c *testCP) synced(t testing.TB) string {
	t.Helper()
	var want string
	testutil.Eventually(t, "CP built the store's configuration", 5*time.Second, func() bool {
		exp, err := c.store.Export(context.Background())
		if err != nil {
			return false
		}
		want = exp.Hash()
		_, h := c.Current()
		return h == want
	})
	return want
}

func row(c *testCP, id string) (cp.DataPlane, bool) {
	for _, r := range c.List() {
		if r.ID == id {
			return r, true
		}
	}
	return cp.DataPlane{}, false
}

func addServiceRoute(t testing.TB, st store.Store, name, path string) {
	t.Helper()
	ctx := context.Background()
	svc := entity.NewService()
	svc.Name, svc.Host = name, "127.0.0.1"
	if err := st.Insert(ctx, svc); err != nil {
		t.Fatal(err)
	}
	r := entity.NewRoute()
	r.Name, r.Paths, r.Service = name+"-route", []string{path}, &entity.Ref{ID: svc.ID}
	if err := st.Insert(ctx, r); err != nil {
		t.Fatal(err)
	}
}
