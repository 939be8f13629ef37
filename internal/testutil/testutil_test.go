package testutil

import (
	"fmt"
	"net"
	"runtime"
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

// TestEventuallyWaitsForTheCondition: a condition that holds after a few
// polls ends the wait without failing the test.
func TestEventuallyWaitsForTheCondition(t *testing.T) {
	t.Parallel()
	polls := 0
	Eventually(t, "the third poll", 5*time.Second, func() bool {
		polls++
		return polls == 3
	})
	if polls != 3 {
		t.Errorf("cond polled %d times, want 3", polls)
	}
}

// TestEventuallyFailsNamingWhat: a condition that never holds fails the
// test once the timeout passes, with a message naming what it waited for.
func TestEventuallyFailsNamingWhat(t *testing.T) {
	t.Parallel()
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Eventually(ft, "the moon", 50*time.Millisecond, func() bool { return false })
	}()
	<-done
	if want := "timed out after 50ms waiting for the moon"; ft.msg != want {
		t.Errorf("failure message = %q, want %q", ft.msg, want)
	}
}

// fatalRecorder records a Fatalf and stops its goroutine, as testing.T
// does, without failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
