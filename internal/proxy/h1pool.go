package proxy

import (
	"bufio"
	"context"
	"net"
	"sync"
	"time"
)

// h1Pool keeps idle HTTP/1.1 connections to plain-text upstreams, per
// address, for h1Conn. It is the fast path for the most common request, a
// body-less idempotent one to an http service: net/http's Transport hands
// every request to two goroutines per connection through channels, which
// on one core costs more than the proxying itself. Anything else (bodies,
// upgrades, TLS, HTTP/2) keeps using http.Transport.
type h1Pool struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle int // per address

	mu     sync.Mutex
	idle   map[string][]*h1Conn
	closed bool
}

func newH1Pool(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *h1Pool {
	return &h1Pool{dial: dial, maxIdle: idlePerHost, idle: map[string][]*h1Conn{}}
}

// get returns the most recently used idle connection to addr that is
// still open and quiet, or dials a new one.
func (p *h1Pool) get(ctx context.Context, addr string) (*h1Conn, error) {
	for {
		p.mu.Lock()
		list := p.idle[addr]
		if len(list) == 0 {
			p.mu.Unlock()
			break
		}
		c := list[len(list)-1]
		list[len(list)-1] = nil
		p.idle[addr] = list[:len(list)-1]
		p.mu.Unlock()
		c.idle.Stop()
		if !c.check.quiet() {
			c.close()
			continue
		}
		c.reused = true
		return c, nil
	}
	conn, err := p.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &h1Conn{pool: p, addr: addr, conn: conn, lr: headerLimit{r: conn, n: -1}, bw: bufio.NewWriterSize(conn, 4<<10)}
	c.br = bufio.NewReaderSize(&c.lr, 4<<10)
	c.check = newIdleCheck(conn)
	c.abortFn = c.abort
	c.idle = newStoppedTimer(c.expire)
	return c, nil
}

// put makes c available to the next request to its address; beyond
// maxIdle, or once the pool is closed, c is closed instead.
func (p *h1Pool) put(c *h1Conn) {
	p.mu.Lock()
	if p.closed || len(p.idle[c.addr]) >= p.maxIdle {
		p.mu.Unlock()
		c.close()
		return
	}
	p.idle[c.addr] = append(p.idle[c.addr], c)
	c.idle.Reset(idleTimeout)
	p.mu.Unlock()
}

// expire closes c if it is still idle when its idle timer fires; a
// request that took it meanwhile keeps it.
func (c *h1Conn) expire() {
	p := c.pool
	p.mu.Lock()
	list := p.idle[c.addr]
	for i, ic := range list {
		if ic == c {
			p.idle[c.addr] = append(list[:i], list[i+1:]...)
			list[len(list)-1] = nil
			p.mu.Unlock()
			c.close()
			return
		}
	}
	p.mu.Unlock()
}

func (c *h1Conn) close() {
	c.idle.Stop()
	_ = c.conn.Close()
}

// closeIdle closes every idle connection. With final set, connections
// returned later are closed too (the pool's transport was dropped).
func (p *h1Pool) closeIdle(final bool) {
	p.mu.Lock()
	idle := p.idle
	p.idle = map[string][]*h1Conn{}
	p.closed = p.closed || final
	p.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.close()
		}
	}
}

// newStoppedTimer returns a timer that will run f once Reset.
func newStoppedTimer(f func()) *time.Timer {
	t := time.AfterFunc(idleTimeout, f)
	t.Stop()
	return t
}
