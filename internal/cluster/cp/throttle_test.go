package cp

import (
	"crypto/tls"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
)

// countingCreds is real TLS credentials whose handshakes end with 5 ms of
// work (after the last message from the client, so with a slot held),
// counting how many run that work at once.
type countingCreds struct {
	credentials.TransportCredentials
	now, most atomic.Int64
}

func (c *countingCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	n := c.now.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	defer c.now.Add(-1)
	time.Sleep(5 * time.Millisecond) // work that takes a while, so handshakes overlap
	return conn, info, err
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
	go func() { _, _ = b.Write([]byte{22}) }() // the first byte of a ClientHello
	if _, _, err := short.ServerHandshake(a); err == nil || !errors.As(err, new(errHandshakeQueue)) {
		t.Fatalf("handshake with no slot free: err = %v, want the queue's error", err)
	}
}

// TestIdleConnectionsTakeNoHandshakeSlot: connections that open and send
// nothing, or stop after their ClientHello, hold no handshake slot while
// they wait, so a data plane connecting meanwhile completes its handshake
// instead of being refused once the queue's wait is over.
func TestIdleConnectionsTakeNoHandshakeSlot(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	th := throttle(credentials.NewTLS(clustertls.ServerConfig(cert)), time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	results := make(chan error, 64)
	go func() {
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer raw.Close()
				_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
				_, _, err := th.ServerHandshake(raw)
				results <- err
			}()
		}
	}()
	// Twice as many stalled connections as there are slots: half send
	// nothing, half a ClientHello and then nothing.
	var stalled []net.Conn
	over := make(chan struct{})
	defer func() {
		close(over)
		for _, c := range stalled {
			c.Close()
		}
	}()
	for i := range 2 * cap(th.sem) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, c)
		if i%2 == 1 {
			hello := tls.Client(&writeOnly{c, over}, clustertls.ClientConfig(cert))
			go func() { _ = hello.Handshake() }() // sends its ClientHello, never reads the answer
		}
	}
	time.Sleep(100 * time.Millisecond) // the stalled connections are accepted and waiting
	client := clustertls.ClientConfig(cert).Clone()
	client.NextProtos = []string{"h2"}
	c, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err != nil {
		t.Fatalf("a data plane's handshake failed while stalled connections were open: %v", err)
	}
	defer c.Close()
	select {
	case err := <-results:
		if err != nil {
			t.Fatalf("the first handshake to end failed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no server handshake ended")
	}
}

// writeOnly lets a TLS client send its ClientHello and then blocks its
// reads until over is closed, as a peer that stops answering does.
type writeOnly struct {
	net.Conn
	over chan struct{}
}

func (w *writeOnly) Read([]byte) (int, error) {
	<-w.over
	return 0, net.ErrClosed
}
