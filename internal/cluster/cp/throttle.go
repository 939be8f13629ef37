package cp

import (
	"net"
	"runtime"
	"time"

	"google.golang.org/grpc/credentials"
)

// A reconnect storm (every data plane of a fleet reconnecting at once after
// a control plane restart) is mostly TLS handshakes: each costs the CP a
// signature and a certificate verification, and ten thousand of them at
// once would take every core from the Admin API and from the streams
// already up. throttledCreds runs at most a few handshakes at a time (two
// per core); the others wait their turn, queued in the order they came,
// and a connection that waits longer than the handshake timeout is closed
// (its data plane retries after its jittered backoff). Data planes that
// reconnect with the current configuration need no push, so once their
// handshake is done the storm costs the CP little more.
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
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	select {
	case t.sem <- struct{}{}:
	case <-timer.C:
		return nil, nil, errHandshakeQueue{t.wait}
	}
	defer func() { <-t.sem }()
	return t.TransportCredentials.ServerHandshake(raw)
}

// Clone implements credentials.TransportCredentials; the clone shares the
// slots.
func (t *throttledCreds) Clone() credentials.TransportCredentials {
	return &throttledCreds{TransportCredentials: t.TransportCredentials.Clone(), sem: t.sem, wait: t.wait}
}
