package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proxyProtoListener expects the PROXY protocol (v1 text or v2 binary)
// header a load balancer sends before anything else on each connection.
// The header is read lazily, in the connection's own goroutine (the first
// RemoteAddr or Read), so a silent client never stalls Accept.
type proxyProtoListener struct {
	net.Listener
	timeout time.Duration
	trusted func(netip.Addr) bool
}

func (l *proxyProtoListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &proxyProtoConn{Conn: c, timeout: l.timeout, trusted: l.trusted}, nil
}

// proxyProtoConn is a connection whose RemoteAddr is the client address
// from its PROXY header, when the balancer that sent it is trusted.
type proxyProtoConn struct {
	net.Conn
	timeout time.Duration
	trusted func(netip.Addr) bool

	once   sync.Once
	br     *bufio.Reader
	remote net.Addr
	err    error
}

func (c *proxyProtoConn) Read(p []byte) (int, error) {
	c.once.Do(c.readHeader)
	if c.err != nil {
		return 0, c.err
	}
	return c.br.Read(p)
}

func (c *proxyProtoConn) RemoteAddr() net.Addr {
	c.once.Do(c.readHeader)
	if c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

func (c *proxyProtoConn) readHeader() {
	if c.timeout > 0 {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
		defer func() { _ = c.Conn.SetReadDeadline(time.Time{}) }()
	}
	c.br = bufio.NewReader(c.Conn)
	src, err := readProxyHeader(c.br)
	if err != nil {
		c.err = fmt.Errorf("proxy protocol: %w", err)
		return
	}
	peer, ok := c.Conn.RemoteAddr().(*net.TCPAddr)
	if src.IsValid() && ok && c.trusted(peer.AddrPort().Addr().Unmap()) {
		c.remote = net.TCPAddrFromAddrPort(src)
	}
}

// balancerPeerKey holds, in a request context, the *proxyProtoConn the
// request came on, so the proxy can tell the balancer that connected from
// the client its PROXY header named.
type balancerPeerKey struct{}

// withBalancerPeer is the server's ConnContext on PROXY protocol
// listeners. It runs in the accept loop, so it only stores the connection:
// the header is read later, in the connection's goroutine.
func withBalancerPeer(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if pc, ok := c.(*proxyProtoConn); ok {
		return context.WithValue(ctx, balancerPeerKey{}, pc)
	}
	return ctx
}

// balancerPeer returns the address of the balancer a request came through
// on a PROXY protocol listener.
func balancerPeer(ctx context.Context) (netip.Addr, bool) {
	pc, ok := ctx.Value(balancerPeerKey{}).(*proxyProtoConn)
	if !ok {
		return netip.Addr{}, false
	}
	ta, ok := pc.Conn.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	return ta.AddrPort().Addr().Unmap(), true
}

var proxyV2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

// readProxyHeader consumes a PROXY header and returns the source address
// it names; the zero AddrPort for UNKNOWN/LOCAL headers.
func readProxyHeader(br *bufio.Reader) (netip.AddrPort, error) {
	start, err := br.Peek(12)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("reading the header: %w", err)
	}
	switch {
	case bytes.Equal(start, proxyV2Signature):
		return readProxyV2(br)
	case bytes.HasPrefix(start, []byte("PROXY ")):
		return readProxyV1(br)
	}
	return netip.AddrPort{}, errors.New("the connection does not start with a PROXY header")
}

// readProxyV1 parses "PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n".
func readProxyV1(br *bufio.Reader) (netip.AddrPort, error) {
	var line []byte
	for len(line) < 107 { // the longest v1 header
		b, err := br.ReadByte()
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("reading the v1 header: %w", err)
		}
		line = append(line, b)
		if b == '\n' {
			break
		}
	}
	text, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return netip.AddrPort{}, errors.New("v1 header too long or not ended by CRLF")
	}
	f := strings.Split(text, " ")
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		return netip.AddrPort{}, nil
	}
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return netip.AddrPort{}, fmt.Errorf("malformed v1 header %q", text)
	}
	ip, err := netip.ParseAddr(f[2])
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("v1 source address: %w", err)
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("v1 source port: %w", err)
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}

// readProxyV2 parses the binary header: signature, version/command,
// family, length, then addresses (TLVs are skipped).
func readProxyV2(br *bufio.Reader) (netip.AddrPort, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return netip.AddrPort{}, fmt.Errorf("reading the v2 header: %w", err)
	}
	if hdr[12]>>4 != 2 {
		return netip.AddrPort{}, fmt.Errorf("unsupported v2 version %d", hdr[12]>>4)
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[14:16]))
	if _, err := io.ReadFull(br, body); err != nil {
		return netip.AddrPort{}, fmt.Errorf("reading the v2 addresses: %w", err)
	}
	if hdr[12]&0x0f == 0 { // LOCAL: a health check from the balancer itself
		return netip.AddrPort{}, nil
	}
	switch hdr[13] >> 4 {
	case 1: // AF_INET
		if len(body) < 12 {
			return netip.AddrPort{}, errors.New("short v2 IPv4 addresses")
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:10])), nil
	case 2: // AF_INET6
		if len(body) < 36 {
			return netip.AddrPort{}, errors.New("short v2 IPv6 addresses")
		}
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])).Unmap(), binary.BigEndian.Uint16(body[32:34])), nil
	}
	return netip.AddrPort{}, nil // AF_UNSPEC or AF_UNIX: no usable address
}
