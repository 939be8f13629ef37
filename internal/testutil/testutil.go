// Package testutil holds small helpers that tests of many packages share
// and that belong to no domain package. Only test files import it (the
// dependency test in internal/deptest checks).
package testutil

import (
	"net"
	"testing"
)

// ClosedAddr returns a loopback address nothing listens on: a dead
// upstream, or a port a process can be restarted on. The port was free a
// moment ago; another test could take it, but the kernel hands out port-0
// ports in a cycle, so that is rare on loopback.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
