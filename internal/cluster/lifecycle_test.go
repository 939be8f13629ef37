package cluster_test

import (
	"context"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/store/sqlite"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestNoGoroutineLeaks runs a CP and two DPs through pushes, a refusal and
// a disconnect, stops everything, and checks every goroutine ended. It is
// not parallel, so the count is not disturbed by other tests.
func TestNoGoroutineLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		cert := newCert(t)
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "leak.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		c := startCP(t, st, cert)
		d1 := startDP(t, []string{c.addr}, cert)
		d2 := startDP(t, []string{c.addr}, cert)
		d3 := startDP(t, []string{c.addr}, newCert(t)) // refused at the handshake
		addServiceRoute(t, st, "echo", "/echo")
		want := c.synced(t)
		testutil.Eventually(t, "config applied", 5*time.Second, func() bool { return d1.hash() == want && d2.hash() == want })
		// Cleanups run at the end of the test; stop everything now (each
		// stop is idempotent).
		d1.stop()
		c.stop()
		d2.stop()
		d3.stop()
		st.Close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after stopping:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// silentCP welcomes a data plane and then says nothing more.
type silentCP struct {
	clusterpb.UnimplementedClusterServer
}

func (silentCP) Connect(srv clusterpb.Cluster_ConnectServer) error {
	if _, err := srv.Recv(); err != nil {
		return err
	}
	if err := srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Welcome{Welcome: &clusterpb.Welcome{CpVersion: "1.4.0"}}}); err != nil {
		return err
	}
	<-srv.Context().Done()
	return nil
}

func TestDataPlaneDropsASilentControlPlane(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(clustertls.Creds(clustertls.ServerConfig(cert), (&logBuffer{}).logger())))
	clusterpb.RegisterClusterServer(srv, silentCP{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	d := startDP(t, []string{ln.Addr().String()}, cert)
	testutil.Eventually(t, "the DP drops the silent CP", 5*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "the control plane is silent; dropping the connection")
	})
	testutil.Eventually(t, "the DP reconnects", 5*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "connection to the control plane restored")
	})
}

func TestSilentDataPlanesArePurged(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert, func(o *cp.Options) { o.PurgeDelay = time.Second })
	d := startDP(t, []string{c.addr}, cert)
	keep := startDP(t, []string{c.addr}, cert)
	testutil.Eventually(t, "both listed", 5*time.Second, func() bool {
		_, ok1 := row(c, d.id)
		_, ok2 := row(c, keep.id)
		return ok1 && ok2
	})
	d.stop()
	testutil.Eventually(t, "the stopped DP purged", 10*time.Second, func() bool { _, ok := row(c, d.id); return !ok })
	if _, ok := row(c, keep.id); !ok {
		t.Fatal("a connected data plane was purged")
	}
}
