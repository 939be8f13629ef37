package proxy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// sendEndless posts an endless chunked body to path over a raw
// connection, writing until the gateway stops reading (or 64 MiB went
// out), and returns the gateway's answer and the body bytes written.
func sendEndless(t *testing.T, addr, path string) (*http.Response, []byte, int64) {
	t.Helper()
	c := dial(t, addr)
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := []byte(fmt.Sprintf("%x\r\n%s\r\n", 32<<10, bytes.Repeat([]byte("x"), 32<<10)))
		for sent.Load() < 64<<20 {
			if _, err := c.Write(chunk); err != nil {
				return // the gateway closed the connection
			}
			sent.Add(32 << 10)
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to an endless body: %v", err)
	}
	body, _ := readAll(res)
	res.Body.Close()
	_ = c.Close() // ends the writer
	<-done
	return res, body, sent.Load()
}

// withPlugins applies cfg with the bundled plugins' chains.
func withPlugins(g *gateway, cfg *entity.Config, reg *plugin.Registry) {
	g.applyWith(cfg, snapshot.Options{Plugins: reg})
}

// TestBodyLimitsOnEveryRead: whoever reads the request body (the proxy's
// buffering, a plugin, the upstream of a streamed body), it stops at
// MaxBodyBytes with Kong's 413, and a body within the limit arrives as
// before: transformed by the plugin when it fits in BodyMemoryBytes,
// untouched (from a temporary file) when it does not.
func TestBodyLimitsOnEveryRead(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	dir := t.TempDir()
	g := newGateway(t, proxy.Options{MaxBodyBytes: 64 << 10, BodyMemoryBytes: 4096, BodyTempDir: dir}, nil)
	svc := newService(up.URL)
	transformed := newRoute(svc, []string{"/transformed"})
	streamedTransformed := newRoute(svc, []string{"/streamed-transformed"}, func(r *entity.Route) { r.RequestBuffering = false })
	streamed := newRoute(svc, []string{"/streamed"}, func(r *entity.Route) { r.RequestBuffering = false })
	sizeLimited := newRoute(svc, []string{"/size-limited"})          // by a plugin, over MaxBodyBytes
	sizeLimitedLess := newRoute(svc, []string{"/size-limited-less"}) // by a plugin, under MaxBodyBytes
	add := map[string]any{"add": map[string]any{"body": []any{"added:yes"}}}
	withPlugins(g, &entity.Config{Services: []*entity.Service{svc},
		Routes: []*entity.Route{transformed, streamedTransformed, streamed, sizeLimited, sizeLimitedLess, newRoute(svc, []string{"/plain"})},
		Plugins: []*entity.Plugin{
			newPlugin("request-transformer", transformed, add),
			newPlugin("request-transformer", streamedTransformed, add),
			newPlugin("request-size-limiting", sizeLimited, map[string]any{"allowed_payload_size": 1}),
			newPlugin("request-size-limiting", sizeLimitedLess, map[string]any{"allowed_payload_size": 1, "size_unit": "kilobytes"}),
		}}, plugin.Bundled(slog.New(slog.DiscardHandler)))

	send := func(t *testing.T, path string, body io.Reader) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, g.url()+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	for _, path := range []string{"/transformed", "/streamed-transformed", "/streamed", "/plain", "/size-limited"} {
		t.Run("endless chunked body to "+path, func(t *testing.T) {
			t.Parallel()
			res, body, sent := sendEndless(t, g.addrs["http"], path)
			wantGatewayError(t, res, body, http.StatusRequestEntityTooLarge, "Payload too large")
			// What the client wrote past the limit sits in socket
			// buffers; a gateway reading on would have taken it all.
			if sent >= 64<<20 {
				t.Errorf("the gateway read the whole %d bytes before answering", sent)
			}
		})
	}
	t.Run("a plugin's smaller limit keeps its answer", func(t *testing.T) {
		t.Parallel()
		res, body, _ := sendEndless(t, g.addrs["http"], "/size-limited-less")
		wantGatewayError(t, res, body, http.StatusRequestEntityTooLarge, "Request size limit exceeded")
	})
	t.Run("small body is transformed", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/transformed", "/streamed-transformed"} {
			res, body := send(t, path, io.MultiReader(strings.NewReader(`{"a":1}`)))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d: %s", path, res.StatusCode, body)
			}
			if e := decodeEcho(t, body); e.Body != `{"a":1,"added":"yes"}` {
				t.Errorf("%s: upstream body %q, want the plugin's field added", path, e.Body)
			}
		}
	})
	t.Run("body over the memory buffer goes upstream untouched", func(t *testing.T) {
		t.Parallel()
		want := `{"a":"` + strings.Repeat("x", 20000) + `"}`
		for _, path := range []string{"/transformed", "/streamed-transformed"} {
			res, body := send(t, path, io.MultiReader(strings.NewReader(want)))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d: %s", path, res.StatusCode, body)
			}
			if e := decodeEcho(t, body); e.Body != want {
				t.Errorf("%s: upstream got %d bytes, want the %d sent, unchanged", path, len(e.Body), len(want))
			}
		}
	})
}

// TestBodyLimitStreamedOverRawConn: on a streamed route, a chunked body
// past MaxBodyBytes, which the upstream starts reading at once, still gets
// the 413 rather than reaching the upstream whole.
func TestBodyLimitStreamedOverRawConn(t *testing.T) {
	t.Parallel()
	var got atomic.Int64
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
	}))
	g := newGateway(t, proxy.Options{MaxBodyBytes: 1024}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{
		newRoute(svc, []string{"/"}, func(r *entity.Route) { r.RequestBuffering = false }),
	}})
	c := dial(t, g.addrs["http"])
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var req bytes.Buffer
	req.WriteString("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	for range 4 {
		fmt.Fprintf(&req, "%x\r\n%s\r\n", 1000, strings.Repeat("y", 1000))
	}
	req.WriteString("0\r\n\r\n")
	if _, err := c.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := readAll(res)
	res.Body.Close()
	wantGatewayError(t, res, body, http.StatusRequestEntityTooLarge, "Payload too large")
	if n := got.Load(); n > 1024 {
		t.Errorf("the upstream read %d bytes of the body, over the 1024-byte limit", n)
	}
}

// TestPluginReadBodySpilledOnce: on a buffering route, a body a plugin
// read whole and spilled to a temporary file goes upstream from that
// file, intact and with its length, rather than copied to a second one.
func TestPluginReadBodySpilledOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		plugin string
		config map[string]any
	}{
		{"request-transformer", map[string]any{"add": map[string]any{"body": []any{"added:yes"}}}},
		{"request-size-limiting", map[string]any{"allowed_payload_size": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := func() int {
				es, err := os.ReadDir(dir)
				if err != nil {
					t.Error(err)
				}
				return len(es)
			}
			up := httptestServer(t, sumHandler("a", files))
			g := newGateway(t, proxy.Options{BodyMemoryBytes: 4096, BodyTempDir: dir}, nil)
			svc := newService(up.URL)
			route := newRoute(svc, []string{"/"})
			withPlugins(g, &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{route},
				Plugins: []*entity.Plugin{newPlugin(tt.plugin, route, tt.config)}},
				plugin.Bundled(slog.New(slog.DiscardHandler)))

			want := []byte(`{"a":"` + strings.Repeat("x", 20000) + `"}`)
			req, err := http.NewRequest(http.MethodPost, g.url()+"/upload", io.MultiReader(bytes.NewReader(want)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			res, body := do(t, http.DefaultClient, req)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			rv := decodeReceived(t, body)
			if rv.Len != int64(len(want)) || rv.SHA256 != sum(want) || rv.ContentLength != int64(len(want)) {
				t.Errorf("upstream got %d bytes (sha256 %s, Content-Length %d), want the %d sent, unchanged, with their length",
					rv.Len, rv.SHA256, rv.ContentLength, len(want))
			}
			if rv.Seen != 1 {
				t.Errorf("%d files in BodyTempDir during the request, want 1", rv.Seen)
			}
			deadline := time.Now().Add(5 * time.Second) // the file goes as the handler returns
			for files() > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := files(); n > 0 {
				t.Errorf("%d files left in BodyTempDir after the request", n)
			}
		})
	}
}
