package cp

import (
	"crypto/tls"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
)

// countingCreds is real TLS credentials that count the handshakes running
// at once.
type countingCreds struct {
	credentials.TransportCredentials
	now, most atomic.Int64
}

func (c *countingCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	n := c.now.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	defer c.now.Add(-1)
	time.Sleep(5 * time.Millisecond) // a handshake that takes a while, so they overlap
	return c.TransportCredentials.ServerHandshake(raw)
}

// TestHandshakesThrottled opens many mutual-TLS connections at once: every
// one completes its handshake, never more than the slots at a time; and a
// connection that cannot get a slot in time is refused with a clear error.
func TestHandshakesThrottled(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	inner := &countingCreds{TransportCredentials: credentials.NewTLS(clustertls.ServerConfig(cert))}
	th := throttle(inner, 10*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const n = 40
	var ok atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		var conns sync.WaitGroup
		for range n {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				defer raw.Close()
				conn, _, err := th.ServerHandshake(raw)
				if err != nil {
					t.Error(err)
					return
				}
				ok.Add(1)
				_, _ = conn.Write([]byte{1})
			})
		}
		conns.Wait()
	})
	client := clustertls.ClientConfig(cert).Clone()
	client.NextProtos = []string{"h2"} // as gRPC's client says
	for range n {
		wg.Go(func() {
			c, err := tls.Dial("tcp", ln.Addr().String(), client)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			_, _ = c.Read(make([]byte, 1))
		})
	}
	wg.Wait()
	if got := ok.Load(); got != n {
		t.Fatalf("%d of %d handshakes completed", got, n)
	}
	if most, slots := inner.most.Load(), int64(2*runtime.GOMAXPROCS(0)); most > slots || most < 1 {
		t.Fatalf("%d handshakes ran at once, want at most %d", most, slots)
	}

	// Every slot taken: the next connection waits its turn, then is refused.
	short := throttle(inner, 50*time.Millisecond)
	for range cap(short.sem) {
		short.sem <- struct{}{}
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, _, err := short.ServerHandshake(a); err == nil || !errorsAs[errHandshakeQueue](err) {
		t.Fatalf("handshake with no slot free: err = %v, want the queue's error", err)
	}
}

func errorsAs[T error](err error) bool {
	_, ok := err.(T)
	return ok
}
