package cluster_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/testutil"
)

// rawStream opens a cluster stream with the right certificate but no agent
// behind it, to send whatever a test wants.
func rawStream(t *testing.T, addr string, cert *clustertls.Cert) clusterpb.Cluster_ConnectClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(clustertls.Creds(clustertls.ClientConfig(cert), (&logBuffer{}).logger())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	st, err := clusterpb.NewClusterClient(conn).Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// recvEnd reads until the CP ends the stream and returns the error.
func recvEnd(st clusterpb.Cluster_ConnectClient) error {
	for {
		if _, err := st.Recv(); err != nil {
			return err
		}
	}
}

func hello(id string) *clusterpb.DPMessage {
	return &clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Hello{Hello: &clusterpb.Hello{NodeId: id, Hostname: "evil", Version: "1.4.0"}}}
}

// TestBadInputClosesOnlyThatConnection sends hostile input to a CP while a
// well-behaved data plane is connected: the CP stays up, the good DP keeps
// receiving configuration, the store is untouched, and each bad connection
// is closed with a logged reason.
func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	good := startDP(t, []string{c.addr}, cert)
	testutil.Eventually(t, "good DP connected", 5*time.Second, func() bool { r, ok := row(c, good.id); return ok && r.Connected })
	rev0, _ := c.store.Revision(context.Background())

	tests := []struct {
		name string
		run  func(t *testing.T) error
		log  string
	}{
		{"garbage on the cluster port", func(t *testing.T) error {
			conn, err := net.Dial("tcp", c.addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02 garbage"))
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Read(make([]byte, 512))
			for err == nil {
				_, err = conn.Read(make([]byte, 512))
			}
			return err
		}, "refused during the TLS handshake"},
		{"first message is not a hello", func(t *testing.T) error {
			st := rawStream(t, c.addr, cert)
			_ = st.Send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Heartbeat{Heartbeat: &clusterpb.Heartbeat{ConfigHash: "x"}}})
			return recvEnd(st)
		}, "not a hello with a node id"},
		{"oversized message", func(t *testing.T) error {
			st := rawStream(t, c.addr, cert)
			big := hello("big")
			big.GetHello().Hostname = strings.Repeat("h", 2<<20)
			_ = st.Send(big)
			return recvEnd(st)
		}, "before the data plane said hello"},
		{"stalled after hello", func(t *testing.T) error {
			st := rawStream(t, c.addr, cert)
			_ = st.Send(hello("stalled-dp"))
			return recvEnd(st) // the CP drops it after the silence timeout
		}, "closing a silent cluster connection"},
		{"config-changing claims", func(t *testing.T) error {
			st := rawStream(t, c.addr, cert)
			_ = st.Send(hello("liar"))
			_ = st.Send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_ApplyResult{ApplyResult: &clusterpb.ApplyResult{
				Version: 999, Hash: "deadbeef", Ok: true, RunningVersion: 999, RunningHash: "deadbeef"}}})
			_ = st.Send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Hello{Hello: &clusterpb.Hello{NodeId: good.id}}})
			return recvEnd(st)
		}, "unexpected message from data plane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(t); err == nil {
				t.Fatal("the CP did not close the connection")
			}
			testutil.Eventually(t, "the reason logged", 5*time.Second, func() bool { return strings.Contains(c.logs.String(), tt.log) })
		})
	}
	if rev, _ := c.store.Revision(context.Background()); rev != rev0 {
		t.Fatalf("store revision moved from %d to %d: a data plane changed configuration", rev0, rev)
	}
	addServiceRoute(t, c.store, "after", "/after")
	want := c.synced(t)
	testutil.Eventually(t, "good DP still gets configuration", 5*time.Second, func() bool { return good.hash() == want })
	if r, _ := row(c, good.id); r.Hostname == "" || r.Hostname == "evil" {
		t.Fatalf("the good DP's row was altered by another connection: %+v", r)
	}
}
