// Package redistest runs a real redis-server for tests: the rate-limiting
// plugin's redis policy and the end-to-end tests of nodes sharing counters.
// Only tests import it.
package redistest

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Start runs redis-server on a free 127.0.0.1 port until the test ends
// and returns the port. Without redis-server the test fails (make test
// installs it through scripts/install-deps.sh), unless -short asks to skip
// what needs system packages.
func Start(t testing.TB) int {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if testing.Short() {
			t.Skip("redis-server not installed")
		}
		t.Fatal("redis-server not installed: run scripts/install-deps.sh (make deps), or go test -short to skip")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for !ping(addr) {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return port
}

// ping reports whether a redis server answers PING at addr.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line == "+PONG\r\n"
}
