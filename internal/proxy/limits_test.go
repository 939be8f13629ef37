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
