package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/yield"
)

// h1Conn is one keep-alive HTTP/1.1 connection to an upstream, used by a
// single request at a time from the request's own goroutine: no reader or
// writer goroutines, no channels, and its buffers live as long as the
// connection.
type h1Conn struct {
	pool    *h1Pool
	addr    string
	conn    net.Conn
	lr      headerLimit // under br: bounds a response's header
	br      *bufio.Reader
	bw      *bufio.Writer
	idle    *time.Timer // closes the connection after idleTimeout in the pool
	check   *idleCheck  // looks for EOF or unasked bytes before reuse
	abortFn func()      // c.abort, kept to avoid a method value per request
	aborted atomic.Bool // the request's context ended mid-exchange
	reused  bool        // served a request before this one
}

// maxResponseHeader bounds the bytes of a response's status line and
// header fields (1xx included), http.Transport's default
// MaxResponseHeaderBytes: an upstream sending header lines without end
// gets a 502, not the gateway's memory.
const maxResponseHeader = 10 << 20

// headerLimit is the connection as c.br reads it: while n >= 0, at most n
// more bytes. roundTrip arms it for the header and lifts it for the body.
type headerLimit struct {
	r io.Reader
	n int64
}

var errHeaderTooLarge = fmt.Errorf("upstream response header is larger than %d bytes", maxResponseHeader)

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errHeaderTooLarge
	}
	p = p[:min(int64(len(p)), l.n)]
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// aLongTimeAgo is a deadline that makes pending and future I/O fail now.
var aLongTimeAgo = time.Unix(1, 0)

func (c *h1Conn) abort() {
	c.aborted.Store(true)
	_ = c.conn.SetDeadline(aLongTimeAgo)
}

// roundTrip writes req (which has no body) and reads the response
// headers. stale reports a failure before any byte of a response came
// back on a reused connection: the upstream had closed it while idle, and
// the request may go again on another connection.
func (c *h1Conn) roundTrip(req *http.Request, readTimeout time.Duration, client http.ResponseWriter) (res *http.Response, stale bool, err error) {
	if err := writeRequest(c.bw, req); err != nil {
		return nil, c.reused, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, c.reused, err
	}
	if readTimeout > 0 {
		_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
	} else {
		_ = c.conn.SetReadDeadline(time.Time{})
	}
	defer func() { c.lr.n = -1 }()
	for n := 0; ; n++ {
		c.lr.n = maxResponseHeader // per answer, as Transport counts when 1xx are passed on
		// Waiting for the upstream uses no CPU: config work may run
		// meanwhile (yield.Enter).
		yield.Leave()
		_, err := c.br.Peek(1)
		yield.Enter()
		if err != nil {
			return nil, n == 0 && c.reused && !isTimeout(err), err
		}
		conflict, complete := framingConflict(peekBuffered(c.br))
		res, err = http.ReadResponse(c.br, req)
		if err != nil {
			return nil, false, err
		}
		// Informational answers (103 Early Hints, an unasked 100) come
		// before the real one: they go to the client, directly from
		// serveFast or through ReverseProxy's trace. As with Transport
		// there is no count: read_timeout bounds the wait for the real
		// answer, and maxResponseHeader each of them.
		if res.StatusCode < 100 || res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			// Both lengths (ReadResponse goes by Transfer-Encoding and
			// drops Content-Length), or a header too long to check:
			// the upstream may frame the body otherwise than Gantry
			// reads it, so what follows on the connection is not
			// trusted. After 101 it speaks another protocol.
			if conflict || (!complete && len(res.TransferEncoding) > 0) || res.StatusCode == http.StatusSwitchingProtocols {
				res.Close = true
			}
			return res, false, nil
		}
		if client != nil {
			h := client.Header()
			for k, vv := range res.Header {
				h[k] = append(h[k], vv...)
			}
			client.WriteHeader(res.StatusCode)
			clear(h) // WriteHeader does not, for 1xx
		} else if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.Got1xxResponse != nil {
			if err := trace.Got1xxResponse(res.StatusCode, textproto.MIMEHeader(res.Header)); err != nil {
				return nil, false, err
			}
		}
	}
}

// h1Body is a response body read straight from the connection. The
// connection goes back to the pool when the body ends (and the upstream
// keeps it open), and is closed if the body is abandoned before its end.
// Each read gets the service's read_timeout (nginx's proxy_read_timeout,
// between two reads).
type h1Body struct {
	rc          io.ReadCloser
	c           *h1Conn
	stop        func() bool // unregisters the context watch
	keep        bool        // the upstream allows reuse
	readTimeout time.Duration
	done        bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if b.readTimeout > 0 {
		_ = b.c.conn.SetReadDeadline(time.Now().Add(b.readTimeout))
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.finish(true)
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

// finish releases the connection: back to the pool after a complete body
// on a connection nothing went wrong with, else closed.
func (b *h1Body) finish(complete bool) {
	b.done = true
	watching := b.stop()
	// Bytes already buffered past the body's end were sent unasked:
	// they would be read as the next request's answer.
	if complete && b.keep && watching && !b.c.aborted.Load() && b.c.br.Buffered() == 0 {
		b.c.pool.put(b.c)
		return
	}
	b.c.close()
}

// exchange sends req over a pooled connection to addr, or a new one, and
// returns the response with a body that releases the connection. A
// request that failed on a stale keep-alive connection is sent again on
// another; ctx ending aborts the exchange.
// client, when set, receives informational answers.
func (p *h1Pool) exchange(ctx context.Context, req *http.Request, addr string, readTimeout time.Duration, client http.ResponseWriter) (*http.Response, error) {
	if err := validHeader(req.Header); err != nil {
		return nil, err // before taking a connection: nothing to retry
	}
	for {
		c, err := p.get(ctx, addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, c.abortFn)
		res, stale, err := c.roundTrip(req, readTimeout, client)
		if err != nil {
			stop()
			c.close()
			if stale && ctx.Err() == nil {
				continue
			}
			return nil, err
		}
		body := &h1Body{rc: res.Body, c: c, stop: stop, keep: !res.Close, readTimeout: readTimeout}
		if res.Body == http.NoBody {
			body.finish(true)
		} else {
			res.Body = body
		}
		return res, nil
	}
}
