package postgres

import (
	"context"
	"net"
	"time"
)

// A database whose packets are dropped, not refused, answers nothing: TCP
// retransmits for minutes before a read fails, and every Admin request
// waiting on it hung as long (107 s measured). So, as Kong's pg_timeout:
// connecting, and each read or write on a connection, fail after timeout;
// TCP keepalives notice a dead peer on an idle connection (the pool's and
// the LISTEN one) within about 25 s.

// keepAlive probes an idle connection after 10 s, then every 5 s, and
// gives up after 3 unanswered probes.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}

// timeoutDialer dials connections whose reads and writes each fail after
// timeout (none when 0).
type timeoutDialer struct {
	net.Dialer
	timeout time.Duration
}

func dialer(timeout time.Duration) *timeoutDialer {
	return &timeoutDialer{Dialer: net.Dialer{KeepAliveConfig: keepAlive}, timeout: timeout}
}

func (d *timeoutDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil || d.timeout <= 0 {
		return c, err
	}
	return &timeoutConn{Conn: c, timeout: d.timeout}, nil
}

// timeoutConn gives every Read and Write a deadline timeout away. pgx
// moves the deadline itself to interrupt an operation whose context ends;
// that still works, as it happens while the operation is under way.
type timeoutConn struct {
	net.Conn
	timeout time.Duration
}

func (c *timeoutConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *timeoutConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}
