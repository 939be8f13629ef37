package proxy_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// TestUpstreamKeepAlive: successive requests reuse one upstream
// connection, whatever the shape of the answer, and each client gets the
// whole answer.
func TestUpstreamKeepAlive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		method   string
		handler  http.HandlerFunc
		status   int
		body     string
		trailer  string // value of the X-Sum trailer the client must see
		wantHint bool   // the client must see a 103 Early Hints first
	}{
		{"sized body", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "hello")
		}, 200, "hello", "", false},
		{"HEAD", http.MethodHead, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
		}, 200, "", "", false},
		{"no content", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, 204, "", "", false},
		{"chunked with trailer", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "part one, ")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "part two")
			w.Header().Set("X-Sum", "42")
		}, 200, "part one, part two", "42", false},
		{"early hints", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "after hints")
		}, 200, "after hints", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up, conns := countingServer(t, tt.handler)
			g := newGateway(t, proxy.Options{}, nil)
			svc := newService(up.URL)
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
			for i := range 5 {
				var hints int
				trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
					hints++
					return nil
				}}
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), tt.method, g.url()+"/", nil)
				if err != nil {
					t.Fatal(err)
				}
				res, body := do(t, http.DefaultClient, req)
				if res.StatusCode != tt.status || string(body) != tt.body {
					t.Fatalf("request %d: got %d %q, want %d %q", i, res.StatusCode, body, tt.status, tt.body)
				}
				if got := res.Trailer.Get("X-Sum"); got != tt.trailer {
					t.Errorf("request %d: trailer X-Sum = %q, want %q", i, got, tt.trailer)
				}
				if tt.wantHint && hints != 1 {
					t.Errorf("request %d: client saw %d informational answers, want the 103", i, hints)
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("upstream saw %d connections for 5 sequential requests, want 1 kept alive", n)
			}
		})
	}
}

// TestStaleUpstreamConnection: an upstream that closes a keep-alive
// connection while it sits in the pool must not cost the next client an
// error, even with retries off.
func TestStaleUpstreamConnection(t *testing.T) {
	t.Parallel()
	// Each connection answers one request as keep-alive, then closes.
	addr, _ := rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1)
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService("http://"+addr, func(s *entity.Service) { s.Retries = 0 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	for i := range 4 {
		res, body := get(t, g.url()+"/")
		if res.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("request %d: got %d %q, want 200 \"ok\"", i, res.StatusCode, body)
		}
	}
}

// countingServer starts an upstream that counts the connections it
// accepts.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	conns := new(atomic.Int64)
	up := httptest.NewUnstartedServer(h)
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	return up, conns
}

// TestUpstreamConnectionNotReused: a connection the upstream asked to
// close, or whose answer did not end cleanly, is not used again, even
// when the upstream would keep it open.
func TestUpstreamConnectionNotReused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reply  string
		wantOK bool // the client gets a whole "ok"; else its response breaks
	}{
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true},
		{"HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true},
		{"body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", false},
		// Framed by Transfer-Encoding, but the upstream may have meant
		// Content-Length: what follows on the connection is not trusted.
		{"Content-Length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", true},
		// Bytes past the body are an answer nobody asked for: reused,
		// the connection would hand "evil" to the next client.
		{"bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil", true},
		{"HTTP/1.0 keep-alive with Transfer-Encoding", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok", true},
		{"unasked 101", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, conns := rawUpstream(t, tt.reply, 0)
			g := newGateway(t, proxy.Options{}, nil)
			svc := newService("http://"+addr, func(s *entity.Service) { s.Retries, s.ReadTimeout = 0, 300 })
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
			for i := range 2 {
				// A broken answer may fail the request outright (nothing
				// was flushed yet) or cut its body.
				var body []byte
				res, err := http.Get(g.url() + "/")
				if err == nil {
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				if ok := err == nil && string(body) == "ok"; ok != tt.wantOK {
					t.Errorf("request %d: body %q, error %v; want whole: %t", i, body, err, tt.wantOK)
				}
			}
			if n := conns.Load(); n != 2 {
				t.Errorf("upstream saw %d connections for 2 requests, want 2: one each", n)
			}
		})
	}
}

// rawUpstream starts an upstream that answers every request with reply,
// and closes a connection after perConn requests (0: never, whatever the
// reply says). It returns its address and a count of its connections.
func rawUpstream(t *testing.T, reply string, perConn int) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := new(atomic.Int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 1; ; n++ {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					if _, err := io.WriteString(c, reply); err != nil || n == perConn {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String(), conns
}
