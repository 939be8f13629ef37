package testutil

import (
	"net"
	"sync"
	"testing"
	"time"
)

// TestClosedAddrRefusesConnections: a dial to the address is refused, so a
// test that uses it as a dead upstream sees a connection error.
func TestClosedAddrRefusesConnections(t *testing.T) {
	t.Parallel()
	addr := ClosedAddr(t)
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("dial %s succeeded, want refused", addr)
	}
}

// TestBufferTakesConcurrentWrites: writers on other goroutines and a
// reader at the same time lose nothing (and -race sees no race).
func TestBufferTakesConcurrentWrites(t *testing.T) {
	t.Parallel()
	var buf Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				_, _ = buf.Write([]byte("x"))
				_ = buf.String()
			}
		})
	}
	wg.Wait()
	if n := len(buf.String()); n != 400 {
		t.Errorf("buffer holds %d bytes, want 400", n)
	}
}
