package proxy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzH1Response: whatever an upstream answers, the fast path's
// exchange returns a response or an error without panicking; what it
// returns is what http.ReadResponse reads from the same bytes, without
// CR, LF or NUL in a header value; and the connection goes back to the
// pool only after exactly one well-formed, keep-alive answer with an
// unambiguous length and nothing after it.
func FuzzH1Response(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\n\r\nto the end",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
		"HTTP/1.1 200 OK\nX: a\n b\nContent-Length: 0\n\n",
		"HTTP/1.1 999 X\r\ntransfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, reply []byte, head bool) {
		if len(reply) > 3000 {
			t.Skip("the pool's check of bytes past an answer sees what one read buffered; larger answers need the socket's (h1idle_unix.go)")
		}
		stuck := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("stuck on %q head %t", reply, head)) })
		defer stuck.Stop()
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		conn := &replayConn{r: bytes.NewReader(reply)}
		pool := newH1Pool(func(context.Context, string, string) (net.Conn, error) { return conn, nil })
		defer pool.closeIdle(true)
		req, err := http.NewRequest(method, "http://upstream.test/", nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := pool.exchange(ctx, req, "upstream.test:80", time.Second, nil)
		ref := readReference(reply, req)
		if err != nil {
			if n := len(pool.idle["upstream.test:80"]); n != 0 {
				t.Fatalf("%d connections pooled after the error %v", n, err)
			}
			return
		}
		_, berr := io.ReadAll(res.Body)
		res.Body.Close()
		if ref.err != nil {
			t.Fatalf("exchange accepted what http.ReadResponse refuses (%v): %d", ref.err, res.StatusCode)
		}
		// Below 100 is refused later, by respond (see
		// TestFastPathMatchesReverseProxy/status_000).
		if res.StatusCode != ref.status || res.StatusCode > 999 {
			t.Fatalf("status %d, http.ReadResponse reads %d", res.StatusCode, ref.status)
		}
		for k, vv := range res.Header {
			for _, v := range vv {
				if strings.ContainsAny(k+v, "\r\n\x00") {
					t.Fatalf("header field %q: %q carries a line break or NUL", k, v)
				}
			}
		}
		pooled := len(pool.idle["upstream.test:80"]) == 1
		if pooled && !(berr == nil && ref.reusable) {
			t.Fatalf("connection pooled after %q (body error %v, reference reusable %t)", reply, berr, ref.reusable)
		}
		if !pooled && berr == nil && ref.reusable {
			t.Fatalf("connection not pooled after a clean keep-alive answer %q", reply)
		}
	})
}

// reference is what net/http makes of an answer, for FuzzH1Response.
type reference struct {
	err      error
	status   int
	reusable bool // one keep-alive answer, unambiguous length, nothing after
}

func readReference(reply []byte, req *http.Request) reference {
	br := bufio.NewReader(bytes.NewReader(reply))
	for {
		if _, err := br.Peek(1); err != nil {
			return reference{err: err}
		}
		conflict, _ := framingConflict(peekBuffered(br))
		res, err := http.ReadResponse(br, req)
		if err != nil {
			return reference{err: err}
		}
		if res.StatusCode >= 100 && res.StatusCode < 200 && res.StatusCode != http.StatusSwitchingProtocols {
			continue
		}
		_, berr := io.ReadAll(res.Body)
		_, eof := br.Peek(1)
		return reference{
			status:   res.StatusCode,
			reusable: berr == nil && eof != nil && !res.Close && !conflict && res.StatusCode != http.StatusSwitchingProtocols,
		}
	}
}

// replayConn is an upstream connection that answers with fixed bytes and
// swallows what is written to it.
type replayConn struct{ r *bytes.Reader }

func (c *replayConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *replayConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }
