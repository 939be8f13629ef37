package cluster_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestPeerStallingMidMessageIsClosed: a peer with the right certificate
// opens the cluster stream and sends the first 5 bytes of a message that
// announces 1,000, then goes quiet. The CP closes that connection after
// the silence timeout with a logged reason, and a good DP keeps syncing.
func TestPeerStallingMidMessageIsClosed(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert)
	good := startDP(t, []string{c.addr}, cert)

	tc := clustertls.ClientConfig(cert)
	tc.NextProtos = []string{"h2"}
	conn, err := tls.Dial("tcp", c.addr, tc)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	var hdr bytes.Buffer
	enc := hpack.NewEncoder(&hdr)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "https"}, {":path", clusterpb.Cluster_Connect_FullMethodName},
		{":authority", clustertls.ServerName}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	partial := binary.BigEndian.AppendUint32([]byte{0}, 1000) // gRPC prefix: uncompressed, 1,000 bytes
	partial = append(partial, 0x0a, 0x03, 'a', 'b', 'c')
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hdr.Bytes(), EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	if err := fr.WriteData(1, false, partial); err != nil {
		t.Fatal(err)
	}

	// Read (and never answer) until the CP gives up on us.
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	ended := false
	for !ended {
		f, err := fr.ReadFrame()
		switch {
		case err != nil:
			ended = true
		case f.Header().Type == http2.FrameRSTStream, f.Header().Type == http2.FrameGoAway:
			ended = true
		}
	}
	if time.Since(start) > 15*time.Second {
		t.Fatal("the CP kept the stalled connection open")
	}
	testutil.Eventually(t, "the reason logged", 5*time.Second, func() bool {
		return c.logs.count("closing a silent cluster connection") > 0
	})
	addServiceRoute(t, c.store, "after-stall", "/after")
	want := c.synced(t)
	testutil.Eventually(t, "good DP still gets configuration", 5*time.Second, func() bool { return good.hash() == want })
}
