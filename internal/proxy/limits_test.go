package proxy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

func TestHeaderLimits(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{MaxHeaderCount: 20, MaxHeaderBytes: 4096}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

	headers := func(n, size int) []string {
		var h []string
		for i := range n {
			h = append(h, "X-H"+itoa(i), strings.Repeat("v", size))
		}
		return h
	}
	t.Run("within limits", func(t *testing.T) {
		res, body := get(t, g.url()+"/", headers(10, 10)...)
		if res.StatusCode != http.StatusOK {
			t.Errorf("status = %d: %s", res.StatusCode, body)
		}
	})
	t.Run("too many headers", func(t *testing.T) {
		res, body := get(t, g.url()+"/", headers(30, 10)...)
		wantGatewayError(t, res, body, http.StatusRequestHeaderFieldsTooLarge, "Request header fields too large")
	})
	t.Run("headers too large", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, g.url()+"/", nil)
		h := headers(4, 4000)
		for i := 0; i < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status = %d, want 431", res.StatusCode)
		}
	})
}

func TestSlowClientTimeouts(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{ReadHeaderTimeout: 200 * time.Millisecond, BodyReadTimeout: 200 * time.Millisecond}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

	t.Run("stalled headers close the connection", func(t *testing.T) {
		c := dial(t, g.addrs["http"])
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		// Whatever the server says first, it must end the connection
		// rather than wait for the rest of the headers.
		_, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("connection still open after the header timeout: %v", err)
		}
	})
	t.Run("stalled body gets 408", func(t *testing.T) {
		c := dial(t, g.addrs["http"])
		_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part")
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body: %v", err)
		}
		if res.StatusCode != http.StatusRequestTimeout {
			t.Errorf("status = %d, want 408", res.StatusCode)
		}
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestMaxConns: beyond MaxConns a connection waits in the accept queue
// until another one closes, and is then served.
func TestMaxConns(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{MaxConns: 1}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

	first := dial(t, g.addrs["http"])
	if _, err := io.WriteString(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if res, err := http.ReadResponse(bufio.NewReader(first), nil); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("first connection: %v", err)
	}
	// first stays open (keep-alive) and holds the only slot.
	answered := make(chan int, 1)
	go func() {
		c := &http.Client{Transport: &http.Transport{}}
		res, err := c.Get(g.url() + "/")
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	select {
	case s := <-answered:
		t.Fatalf("second connection served (%d) while the first held the only slot", s)
	case <-time.After(300 * time.Millisecond):
	}
	first.Close()
	select {
	case s := <-answered:
		if s != http.StatusOK {
			t.Errorf("second connection: status %d", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second connection never served after the first closed")
	}
}
