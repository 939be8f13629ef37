package proxy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// Upstream answers that try to desynchronise a keep-alive connection or
// exhaust the gateway, and client requests that try to smuggle one.

// TestUnsolicitedBytesWhileIdle: bytes an upstream sends on a pooled
// connection after its answer is complete are nobody's answer. Reused,
// the connection would hand them to the next client as its response.
func TestUnsolicitedBytesWhileIdle(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan struct{})
	var conns atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			first := conns.Add(1) == 1
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				if first {
					time.Sleep(50 * time.Millisecond) // the gateway has pooled the connection
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil")
					close(sent)
				}
				_, _ = br.ReadByte() // until the gateway closes
			})
		}
	})
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService("http://"+ln.Addr().String(), func(s *entity.Service) { s.Retries = 0 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	if res, body := get(t, g.url()+"/"); string(body) != "ok" {
		t.Fatalf("first request: %d %q, want ok", res.StatusCode, body)
	}
	<-sent
	if res, body := get(t, g.url()+"/"); string(body) != "ok" {
		t.Fatalf("second request: %d %q, want ok from a new connection, not the unasked bytes", res.StatusCode, body)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("upstream saw %d connections, want 2: the first discarded", n)
	}
}

// TestUpstreamHeaderTooLarge: an upstream whose header never ends gets
// the client a 502 once it passes 10 MiB (http.Transport's limit), on
// both paths, rather than the gateway buffering it until read_timeout
// (then 504).
func TestUpstreamHeaderTooLarge(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				line := "X-Filler: " + strings.Repeat("a", 1000) + "\r\n"
				bw := bufio.NewWriterSize(c, 64<<10)
				_, _ = bw.WriteString("HTTP/1.1 200 OK\r\n")
				for { // until the gateway gives up and closes
					if _, err := bw.WriteString(line); err != nil {
						return
					}
				}
			})
		}
	})
	for _, tt := range []struct {
		name string
		opts proxy.Options
	}{{"fast path", proxy.Options{}}, {"ReverseProxy", proxy.Options{DisableFastPath: true}}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, tt.opts, nil)
			svc := newService("http://"+ln.Addr().String(), func(s *entity.Service) { s.Retries, s.ReadTimeout = 0, 8000 })
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
			res, body := get(t, g.url()+"/")
			wantGatewayError(t, res, body, http.StatusBadGateway, "An invalid response was received from the upstream server")
		})
	}
}

// TestNoResendAfterPartialAnswer: a keep-alive connection that breaks
// after part of an answer came back is not a stale one: the request
// reached the upstream, which may have acted on it, so it is not sent
// again (retries off), and the client gets 502.
func TestNoResendAfterPartialAnswer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				for {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					if requests.Add(1) == 1 {
						_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
						continue
					}
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-")
					return
				}
			})
		}
	})
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService("http://"+ln.Addr().String(), func(s *entity.Service) { s.Retries = 0 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	if res, body := get(t, g.url()+"/"); string(body) != "ok" {
		t.Fatalf("first request: %d %q", res.StatusCode, body)
	}
	req, err := http.NewRequest(http.MethodDelete, g.url()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, body := do(t, http.DefaultClient, req)
	wantGatewayError(t, res, body, http.StatusBadGateway, "An invalid response was received from the upstream server")
	if n := requests.Load(); n != 2 {
		t.Errorf("upstream received %d requests, want 2: the DELETE once", n)
	}
}

// TestClientLeavesMidBody: a client that stops reading a streamed answer
// frees the upstream connection (closed, not pooled with the rest of the
// body still coming).
func TestClientLeavesMidBody(t *testing.T) {
	t.Parallel()
	gone := make(chan struct{}, 1)
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 1000 {
			if _, err := io.WriteString(w, strings.Repeat("x", 1024)); err != nil {
				break
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				gone <- struct{}{}
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Get(g.url() + "/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(res.Body, make([]byte, 2048)); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream kept streaming 5 s after the client left: its connection was not closed")
	}
}

// TestBodyOnBodylessMethod: a GET that carries a body (by Content-Length
// or chunked) is not sent upstream as a body-less request with its body
// left behind to be read as a second request: the upstream gets one
// request with that body.
func TestBodyOnBodylessMethod(t *testing.T) {
	t.Parallel()
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	var mu sync.Mutex
	var seen []string
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+string(b))
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	tests := []struct{ name, framing, body string }{
		{"Content-Length", "Content-Length: " + itoa(len(smuggled)) + "\r\n", smuggled},
		{"chunked", "Transfer-Encoding: chunked\r\n", strconv.FormatInt(int64(len(smuggled)), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			c, err := net.Dial("tcp", g.addrs["http"])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: api.example\r\n"+tt.framing+"\r\n"+tt.body); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			if string(b) != "ok" {
				t.Fatalf("client got %d %q", res.StatusCode, b)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := "/x " + smuggled; len(seen) != 1 || seen[0] != want {
				t.Errorf("upstream saw %q, want one request %q", seen, want)
			}
		})
	}
}
