//go:build linux || darwin || freebsd || netbsd || openbsd

package proxy

import (
	"net"
	"syscall"
)

// idleCheck looks at an idle upstream connection's socket before reuse,
// with one non-blocking MSG_PEEK that leaves any data in place. It is
// made once per connection, so a check allocates nothing.
type idleCheck struct {
	rc   syscall.RawConn
	peek func(fd uintptr) bool // ic.peekFD, kept to avoid a method value per check
	buf  [1]byte
	n    int
	err  error
}

// newIdleCheck returns the check for conn, or nil when conn is not a
// socket (then every idle connection passes).
func newIdleCheck(conn net.Conn) *idleCheck {
	if wc, ok := conn.(*writeTimeoutConn); ok {
		conn = wc.Conn
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	ic := &idleCheck{rc: rc}
	ic.peek = ic.peekFD
	return ic
}

func (ic *idleCheck) peekFD(fd uintptr) bool {
	ic.n, _, ic.err = syscall.Recvfrom(int(fd), ic.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return true
}

// quiet reports whether the connection can carry a request: still open
// and with nothing received since its last answer. Bytes that arrived
// unasked would be read as the next request's answer; EOF means the
// upstream closed it, and a new connection beats a failed write and a
// retry.
func (ic *idleCheck) quiet() bool {
	if ic == nil {
		return true
	}
	if err := ic.rc.Read(ic.peek); err != nil {
		return false
	}
	return ic.n <= 0 && (ic.err == syscall.EAGAIN || ic.err == syscall.EWOULDBLOCK)
}
