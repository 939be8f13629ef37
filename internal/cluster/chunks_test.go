package cluster_test

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestPushAboveMaxPayloadIsChunked: with a tiny cluster_max_payload on both
// ends, a configuration many times larger reaches the data plane in chunks,
// whole and as a delta, and no message exceeds the limit (the DP rejects
// any that does).
func TestPushAboveMaxPayloadIsChunked(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert, func(o *cp.Options) { o.MaxPayload = 600 })
	d := startDP(t, []string{c.addr}, cert, func(o *dp.Options) { o.MaxPayload = 600 })
	for i := range 20 {
		addServiceRoute(t, c.store, fmt.Sprintf("big%d", i), fmt.Sprintf("/big%d", i))
	}
	big := c.synced(t)
	testutil.Eventually(t, "chunked config applied", 10*time.Second, func() bool { return d.hash() == big })
	if !routes(d, "/big19") {
		t.Fatal("the data plane does not serve the chunked configuration")
	}
	most := 0
	for _, m := range regexp.MustCompile(`configuration pushed".* chunks=(\d+)`).FindAllStringSubmatch(c.logs.String(), -1) {
		n, _ := strconv.Atoi(m[1])
		most = max(most, n)
	}
	if most < 2 {
		t.Fatalf("no push was chunked (most chunks in one push: %d)", most)
	}
	addServiceRoute(t, c.store, "more", "/more")
	more := c.synced(t)
	testutil.Eventually(t, "next version applied", 10*time.Second, func() bool { return d.hash() == more })
	if r, _ := row(c, d.id); r.LastRejection != nil {
		t.Fatalf("a push was rejected: %+v", r.LastRejection)
	}
}

// scriptedCP is a control plane played by the test: each connection runs
// the next function of script with the DP's hello.
type scriptedCP struct {
	clusterpb.UnimplementedClusterServer
	script chan func(clusterpb.Cluster_ConnectServer, *clusterpb.Hello) error
}

func (s *scriptedCP) Connect(srv clusterpb.Cluster_ConnectServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	if err := srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Welcome{Welcome: &clusterpb.Welcome{CpVersion: "1.4.0"}}}); err != nil {
		return err
	}
	select {
	case fn := <-s.script:
		return fn(srv, first.GetHello())
	case <-srv.Context().Done():
		return nil
	}
}

func sendPush(srv clusterpb.Cluster_ConnectServer, p *clusterpb.ConfigPush) error {
	return srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Config{Config: p}})
}

// result reads until the DP's next ApplyResult.
func result(srv clusterpb.Cluster_ConnectServer) (*clusterpb.ApplyResult, error) {
	for {
		m, err := srv.Recv()
		if err != nil {
			return nil, err
		}
		if r := m.GetApplyResult(); r != nil {
			return r, nil
		}
	}
}

// chunks splits e into n ConfigPush chunks as the CP does.
func chunks(e *wire.Encoded, n int) []*clusterpb.ConfigPush {
	size := (len(e.Payload) + n - 1) / n
	var out []*clusterpb.ConfigPush
	for i := range n {
		part := e.Payload[i*size : min((i+1)*size, len(e.Payload))]
		out = append(out, &clusterpb.ConfigPush{Version: e.Version, Hash: e.Hash, Payload: part, Checksum: e.Checksum,
			ChunkIndex: uint32(i), ChunkCount: uint32(n), PayloadSize: uint64(len(e.Payload))})
	}
	return out
}

// TestBadChunkedPushesAreRejectedAndTheRunningConfigKept: a data plane
// running a configuration is sent chunked pushes that cannot be applied — a
// transfer cut by the connection breaking, chunks out of order, a checksum
// that does not match the reassembled payload, a payload announced above
// cluster_max_config_size. It rejects each with the reason, keeps serving
// its configuration, and reports the broken transfer in its next hello,
// which a real control plane shows in the data plane's last rejection.
func TestBadChunkedPushesAreRejectedAndTheRunningConfigKept(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(codec.Close)
	first := servicesAndRoutes(t, "first", 3)
	good, err := codec.EncodeFull(1, first.Hash(), first)
	if err != nil {
		t.Fatal(err)
	}
	second := servicesAndRoutes(t, "second", 40)
	next, err := codec.EncodeFull(2, second.Hash(), second)
	if err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &scriptedCP{script: make(chan func(clusterpb.Cluster_ConnectServer, *clusterpb.Hello) error, 2)}
	srv := grpc.NewServer(grpc.Creds(clustertls.Creds(clustertls.ServerConfig(cert), (&logBuffer{}).logger())))
	clusterpb.RegisterClusterServer(srv, fake)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	type answer struct {
		name string
		res  *clusterpb.ApplyResult
	}
	answers := make(chan answer, 8)
	hellos := make(chan *clusterpb.Hello, 1)
	// Connection 1: a whole push, applied; then one chunk of three and
	// the stream ends.
	fake.script <- func(srv clusterpb.Cluster_ConnectServer, _ *clusterpb.Hello) error {
		if err := sendPush(srv, &clusterpb.ConfigPush{Version: good.Version, Hash: good.Hash, Payload: good.Payload, Checksum: good.Checksum}); err != nil {
			return err
		}
		r, err := result(srv)
		if err != nil {
			return err
		}
		answers <- answer{"first", r}
		return sendPush(srv, chunks(next, 3)[0])
	}
	// Connection 2: the hello, then chunks out of order, a bad checksum
	// and an oversized announcement, each answered; then a good chunked
	// push, which applies.
	fake.script <- func(srv clusterpb.Cluster_ConnectServer, h *clusterpb.Hello) error {
		hellos <- h
		c := chunks(next, 3)
		bad := chunks(&wire.Encoded{Version: next.Version, Hash: next.Hash, Payload: next.Payload, Checksum: next.Checksum + 1}, 3)
		huge := chunks(next, 3)
		for _, m := range huge {
			m.PayloadSize = 1 << 40
		}
		for _, step := range []struct {
			name string
			msgs []*clusterpb.ConfigPush
		}{
			{"out of order", []*clusterpb.ConfigPush{c[0], c[2]}},
			{"checksum", bad},
			{"too large", huge}, // one answer: the rest of its chunks are dropped
			{"good", c},
		} {
			for _, m := range step.msgs {
				if err := sendPush(srv, m); err != nil {
					return err
				}
			}
			r, err := result(srv)
			if err != nil {
				return err
			}
			answers <- answer{step.name, r}
		}
		<-srv.Context().Done()
		return nil
	}

	d := startDP(t, []string{ln.Addr().String()}, cert, func(o *dp.Options) { o.MaxConfigSize = 32 << 20 })
	wantErr := map[string]string{
		"first":        "",
		"out of order": "interrupted transfer: received chunk 3 of 3",
		"checksum":     "checksum mismatch",
		"too large":    "cluster_max_config_size",
		"good":         "",
	}
	for _, name := range []string{"first", "out of order", "checksum", "too large", "good"} {
		var a answer
		select {
		case a = <-answers:
		case <-time.After(10 * time.Second):
			t.Fatalf("no answer to the %q push", name)
		}
		if a.name != name {
			t.Fatalf("answer to %q, want %q", a.name, name)
		}
		want := wantErr[name]
		if want == "" {
			if !a.res.Ok {
				t.Fatalf("%s push rejected: %s", name, a.res.Error)
			}
		} else if a.res.Ok || !strings.Contains(a.res.Error, want) {
			t.Fatalf("%s push: ok=%v error %q, want a rejection naming %q", name, a.res.Ok, a.res.Error, want)
		} else if a.res.RunningHash != good.Hash || d.hash() != good.Hash || !routes(d, "/first0") {
			t.Fatalf("%s push: the data plane no longer runs its configuration (reports %s, runs %s)", name, a.res.RunningHash, d.hash())
		}
		if name == "first" {
			// The stream is cut after the first chunk: the DP reports it
			// on the next connection.
			var h *clusterpb.Hello
			select {
			case h = <-hellos:
			case <-time.After(10 * time.Second):
				t.Fatal("the data plane did not reconnect")
			}
			if !strings.Contains(h.TransferError, "interrupted transfer") || !strings.Contains(h.TransferError, "after chunk 1 of 3 of version 2") {
				t.Fatalf("hello after the broken transfer reports %q", h.TransferError)
			}
			if d.hash() != good.Hash || !routes(d, "/first0") {
				t.Fatal("the data plane dropped its configuration after the broken transfer")
			}
		}
	}
	testutil.Eventually(t, "the chunked push applied", 5*time.Second, func() bool { return d.hash() == next.Hash })
	if !routes(d, "/second39") {
		t.Fatal("the reassembled configuration is not served")
	}

	// A real control plane shows what a hello reports.
	c := startCPUnfed(t, newStore(t), cert)
	st := rawStream(t, c.addr, cert)
	h := hello("reporter")
	h.GetHello().TransferError = "interrupted transfer: test"
	if err := st.Send(h); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the CP lists the broken transfer", 5*time.Second, func() bool {
		r, ok := row(c, "reporter")
		return ok && r.LastRejection != nil && r.LastRejection.Error == "interrupted transfer: test"
	})
}

// TestApplyLongerThanTheTimeoutKeepsTheConnection: a data plane busy
// applying a push for longer than the heartbeat timeout (a very large
// configuration) reads nothing from the control plane meanwhile; it must
// not take that for a silent control plane and drop the connection, which
// would throw the apply's work away.
func TestApplyLongerThanTheTimeoutKeepsTheConnection(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	slow := func(inner pipeline.Applier) pipeline.Applier {
		return pipeline.ApplyFunc(func(ctx context.Context, u pipeline.Update) error {
			if !u.Config.Config().Empty() {
				time.Sleep(2500 * time.Millisecond) // the timeout is 1.5 s
			}
			return inner.Apply(ctx, u)
		})
	}
	d := startDPWrapped(t, []string{c.addr}, cert, slow)
	testutil.Eventually(t, "DP connected", 5*time.Second, func() bool { r, ok := row(c, d.id); return ok && r.Connected })
	addServiceRoute(t, c.store, "slow", "/slow")
	want := c.synced(t)
	testutil.Eventually(t, "the slow apply finished", 10*time.Second, func() bool { return d.hash() == want })
	if n := d.logs.count("connected to the control plane"); n != 1 || d.logs.count("the control plane is silent") > 0 {
		t.Fatalf("the data plane dropped its connection during the apply (%d connections)", n)
	}
}
