//go:build linux || darwin || freebsd || netbsd || openbsd

package proxy

import (
	"net"
	"syscall"
)

// quiet reports whether an idle upstream connection can carry a request:
// still open and with nothing received since its last answer. Bytes that
// arrived unasked would be read as the next request's answer; EOF means
// the upstream closed it, and a new connection beats a failed write and
// a retry. One non-blocking MSG_PEEK, which leaves the data in place.
func quiet(conn net.Conn) bool {
	if wc, ok := conn.(*writeTimeoutConn); ok {
		conn = wc.Conn
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var (
		buf  [1]byte
		n    int
		rerr error
	)
	if err := rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		return false
	}
	return n <= 0 && (rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK)
}
