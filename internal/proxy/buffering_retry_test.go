package proxy_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestBufferedBodyRetries: the first target fails each request; the
// second answers. A buffered body is sent again to the second target
// after a refused connection, and after a dropped connection for an
// idempotent method; a POST that may have reached the dropping target,
// and a streamed body, are not repeated.
func TestBufferedBodyRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		dead      func(t *testing.T) string
		method    string
		buffering bool
		wantAll   bool // every request succeeds; else some fail with 502
	}{
		{"refused connection, buffered POST goes to the next target", func(t *testing.T) string { return testutil.ClosedAddr(t) }, http.MethodPost, true, true},
		{"dropped connection, buffered PUT goes to the next target", dropAddr, http.MethodPut, true, true},
		{"dropped connection, buffered POST is not repeated", dropAddr, http.MethodPost, true, false},
		{"dropped connection, streamed PUT is not repeated", dropAddr, http.MethodPut, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			live := httptestServer(t, sumHandler("live", nil))
			up, targets, svc := newUpstream("retry.upstream", tt.dead(t), live.Listener.Addr().String())
			svc.Retries = 2
			g := newGateway(t, proxy.Options{BodyMemoryBytes: 16 << 10}, nil)
			g.apply(&entity.Config{
				Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
				Routes: []*entity.Route{newRoute(svc, []string{"/"}, func(r *entity.Route) { r.RequestBuffering = tt.buffering })},
			})
			want := randomBody(t, 64<<10) // spilled beyond BodyMemoryBytes
			failed := 0
			for i := range 6 {
				req, err := http.NewRequest(tt.method, g.url()+"/", bytes.NewReader(want))
				if err != nil {
					t.Fatal(err)
				}
				res, body := do(t, http.DefaultClient, req)
				switch res.StatusCode {
				case http.StatusOK:
					if rv := decodeReceived(t, body); rv.Len != int64(len(want)) || rv.SHA256 != sum(want) {
						t.Errorf("request %d: the live target got %d bytes (sha256 %s), want %d (%s)", i, rv.Len, rv.SHA256, len(want), sum(want))
					}
				case http.StatusBadGateway:
					failed++
				default:
					t.Errorf("request %d: status %d: %s", i, res.StatusCode, body)
				}
			}
			if tt.wantAll && failed > 0 {
				t.Errorf("%d of 6 requests failed despite retries", failed)
			}
			if !tt.wantAll && failed == 0 {
				t.Error("no request failed: a request that reached the dropping target was sent again")
			}
		})
	}
}

// dropAddr is a target that reads the start of each request and closes
// the connection without answering.
func dropAddr(t *testing.T) string { return rawServer(t, "") }

// TestMaxBodyBytes: a body over MaxBodyBytes gets Kong's 413 without
// reaching the upstream: by its Content-Length on any route, and while
// being read on a buffering route.
func TestMaxBodyBytes(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		sumHandler("a", nil).ServeHTTP(w, r)
	}))
	g := newGateway(t, proxy.Options{MaxBodyBytes: 1000}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{
		newRoute(svc, []string{"/buffered"}),
		newRoute(svc, []string{"/streamed"}, func(r *entity.Route) { r.RequestBuffering = false }),
	}})
	tests := []struct {
		name    string
		path    string
		size    int
		chunked bool
		want    int
	}{
		{"at the limit passes", "/buffered", 1000, false, http.StatusOK},
		{"Content-Length over the limit", "/buffered", 1001, false, http.StatusRequestEntityTooLarge},
		{"chunked body growing over the limit", "/buffered", 5000, true, http.StatusRequestEntityTooLarge},
		{"Content-Length over the limit on a streaming route", "/streamed", 1001, false, http.StatusRequestEntityTooLarge},
		{"chunked body at the limit passes", "/buffered", 1000, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			var r io.Reader = strings.NewReader(strings.Repeat("b", tt.size))
			if tt.chunked {
				r = io.MultiReader(r)
			}
			req, err := http.NewRequest(http.MethodPost, g.url()+tt.path, r)
			if err != nil {
				t.Fatal(err)
			}
			res, body := do(t, http.DefaultClient, req)
			if tt.want == http.StatusOK {
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, body)
				}
				if rv := decodeReceived(t, body); rv.Len != int64(tt.size) {
					t.Errorf("upstream got %d bytes, want %d", rv.Len, tt.size)
				}
				return
			}
			wantGatewayError(t, res, body, tt.want, "Payload too large")
			if n := hits.Load() - before; n != 0 {
				t.Errorf("the upstream saw %d requests over the limit", n)
			}
		})
	}
}

// TestBufferedBodyReadFailures: a buffered body the client fails to send
// never reaches the upstream; the client gets Kong's answer and a spilled
// part of the body is removed.
func TestBufferedBodyReadFailures(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	tests := []struct {
		name    string
		request string
		status  int
		msg     string
	}{
		{"stalled after spilling to disk", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("s", 5000),
			http.StatusRequestTimeout, "Request timeout"},
		{"malformed chunk", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + "zz\r\nabc\r\n",
			http.StatusBadRequest, "Bad request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			g := newGateway(t, proxy.Options{BodyTempDir: dir, BodyMemoryBytes: 1024, BodyReadTimeout: 200 * time.Millisecond}, nil)
			svc := newService(up.URL)
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
			c := dial(t, g.addrs["http"])
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, tt.request); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body, _ := readAll(res)
			res.Body.Close()
			wantGatewayError(t, res, body, tt.status, tt.msg)
			if !res.Close {
				t.Error("the connection stays open with the rest of the body unread")
			}
			if es, _ := os.ReadDir(dir); len(es) > 0 {
				t.Errorf("%d files left in BodyTempDir", len(es))
			}
		})
	}
	t.Cleanup(func() {
		if n := hits.Load(); n > 0 {
			t.Errorf("the upstream saw %d requests whose body failed", n)
		}
	})
}
