package testutil

import (
	"net"
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
