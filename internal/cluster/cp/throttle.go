package cp

import (
	"net"
	"runtime"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/credentials"
)

// A reconnect storm (every data plane of a fleet reconnecting at once after
// a control plane restart) is mostly TLS handshakes: each costs the CP a
// signature and a certificate verification, and ten thousand of them at
// once would take every core from the Admin API and from the streams
// already up. throttledCreds runs at most a few handshakes' work at a time
// (two per core); the others wait their turn, queued in the order they
// came, and a connection that waits longer than the handshake timeout is
// closed (its data plane retries after its jittered backoff). A handshake
// holds its slot only while it computes, never while it waits for the
// peer's next message (see slotConn), so connections that open and send
// nothing, or stop half-way, take no slot from the others. Data planes
// that reconnect with the current configuration need no push, so once
// their handshake is done the storm costs the CP little more.
type throttledCreds struct {
	credentials.TransportCredentials
	sem  chan struct{}
	wait time.Duration
}

func throttle(c credentials.TransportCredentials, wait time.Duration) *throttledCreds {
	return &throttledCreds{TransportCredentials: c, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0)), wait: wait}
}

// errHandshakeQueue is returned to a connection that waited too long for
// its turn to handshake.
type errHandshakeQueue struct{ wait time.Duration }

func (e errHandshakeQueue) Error() string {
	return "too many data planes connecting at once: no TLS handshake slot within " + e.wait.String()
}

// ServerHandshake implements credentials.TransportCredentials.
func (t *throttledCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	c := &slotConn{Conn: raw, t: t}
	conn, info, err := t.TransportCredentials.ServerHandshake(c)
	c.finish()
	return conn, info, err
}

// acquire takes a slot, waiting at most t.wait for one.
func (t *throttledCreds) acquire() error {
	select {
	case t.sem <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	select {
	case t.sem <- struct{}{}:
		return nil
	case <-timer.C:
		return errHandshakeQueue{t.wait}
	}
}

// Clone implements credentials.TransportCredentials; the clone shares the
// slots.
func (t *throttledCreds) Clone() credentials.TransportCredentials {
	return &throttledCreds{TransportCredentials: t.TransportCredentials.Clone(), sem: t.sem, wait: t.wait}
}

// slotConn is a connection in its TLS handshake. Before each read it gives
// its slot back, and it takes one again once the peer's bytes have come:
// the slot is held while the handshake computes (a signature, a
// certificate verification), not while the peer takes its time. Once the
// handshake is over (finish), reads pass straight through.
type slotConn struct {
	net.Conn
	t    *throttledCreds
	held bool        // used by the handshake's goroutine only
	done atomic.Bool // the handshake is over
}

func (c *slotConn) Read(p []byte) (int, error) {
	if c.done.Load() {
		return c.Conn.Read(p)
	}
	c.release()
	n, err := c.Conn.Read(p)
	if err != nil {
		return n, err
	}
	if err := c.t.acquire(); err != nil {
		return 0, err
	}
	c.held = true
	return n, nil
}

func (c *slotConn) release() {
	if c.held {
		c.held = false
		<-c.t.sem
	}
}

// finish ends the handshake: the slot goes back, reads pass through.
func (c *slotConn) finish() {
	c.release()
	c.done.Store(true)
}
