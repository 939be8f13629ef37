package proxy_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// received is what the checksum upstream answers about a request body.
type received struct {
	Server        string `json:"server"`
	Len           int64  `json:"len"`
	SHA256        string `json:"sha256"`
	ContentLength int64  `json:"content_length"` // -1: the body came chunked
	Seen          int    `json:"seen"`           // what onStart returned
}

// sumHandler answers the size and SHA-256 of the request body it read.
// onStart, when not nil, runs as the handler starts, before the body is
// read; its result is answered as Seen.
func sumHandler(name string, onStart func() int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rv := received{Server: name, ContentLength: r.ContentLength}
		if onStart != nil {
			rv.Seen = onStart()
		}
		h := sha256.New()
		rv.Len, _ = io.Copy(h, r.Body)
		rv.SHA256 = hex.EncodeToString(h.Sum(nil))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rv)
	})
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomBody(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeReceived(t *testing.T, body []byte) received {
	t.Helper()
	var rv received
	if err := json.Unmarshal(body, &rv); err != nil {
		t.Fatalf("upstream answer %q: %v", body, err)
	}
	return rv
}

// TestRequestBufferingSlowClient: a client sends a chunked body in three
// pieces over 300 ms. A buffering route lets the upstream see the request
// only after the last piece, with a Content-Length; a streaming route
// passes the request on while the body is still coming.
func TestRequestBufferingSlowClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		buffering bool
	}{
		{"buffered route sees the request after its last byte", true},
		{"streaming route sees the request before its last byte", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan time.Time, 1)
			up := httptestServer(t, sumHandler("a", func() int { started <- time.Now(); return 0 }))
			g := newGateway(t, proxy.Options{}, nil)
			svc := newService(up.URL)
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{
				newRoute(svc, []string{"/"}, func(r *entity.Route) { r.RequestBuffering = tt.buffering }),
			}})

			c := dial(t, g.addrs["http"])
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			piece := randomBody(t, 64<<10)
			write := func(s string) {
				t.Helper()
				if _, err := io.WriteString(c, s); err != nil {
					t.Fatal(err)
				}
			}
			write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
			var whole []byte
			for i := range 3 {
				write(fmt.Sprintf("%x\r\n%s\r\n", len(piece), piece))
				whole = append(whole, piece...)
				if !tt.buffering && i == 0 {
					select {
					case <-started:
					case <-time.After(5 * time.Second):
						t.Fatal("the upstream did not see the request while its body was still coming")
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			lastWrite := time.Now()
			write("0\r\n\r\n")

			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := readAll(res)
			res.Body.Close()
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, %v: %s", res.StatusCode, err, body)
			}
			rv := decodeReceived(t, body)
			if rv.Len != int64(len(whole)) || rv.SHA256 != sum(whole) {
				t.Errorf("upstream got %d bytes (sha256 %s), want %d (%s)", rv.Len, rv.SHA256, len(whole), sum(whole))
			}
			if tt.buffering {
				if start := <-started; !start.After(lastWrite) {
					t.Errorf("the upstream handler started %v before the client's last write", lastWrite.Sub(start))
				}
				if rv.ContentLength != int64(len(whole)) {
					t.Errorf("upstream Content-Length = %d, want %d", rv.ContentLength, len(whole))
				}
			} else if rv.ContentLength != -1 {
				t.Errorf("upstream Content-Length = %d, want a chunked body passed on", rv.ContentLength)
			}
		})
	}
}

// TestRequestBodySpill: a buffered body beyond BodyMemoryBytes goes to a
// temporary file in BodyTempDir while the request runs, arrives intact
// with its length, and the file is gone once the request ended.
func TestRequestBodySpill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		chunked   bool // no length announced
		h2c       bool // HTTP/2 with prior knowledge: DATA frames, no length
		wantFiles int
	}{
		{"small body stays in memory", 10 << 10, false, false, 0},
		{"3 MiB body spills to a file", 3 << 20, false, false, 1},
		{"3 MiB chunked body spills to a file", 3 << 20, true, false, 1},
		{"3 MiB body over h2c spills to a file", 3 << 20, true, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			g := newGateway(t, proxy.Options{BodyTempDir: dir}, map[string]proxy.ListenOptions{"h2c": {HTTP2: true}})
			svc := newService(up.URL)
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

			want := randomBody(t, tt.size)
			var r io.Reader = bytes.NewReader(want)
			if tt.chunked {
				r = io.MultiReader(r) // hides the length: the client sends chunks
			}
			url, client := g.url(), http.DefaultClient
			if tt.h2c {
				protos := new(http.Protocols)
				protos.SetUnencryptedHTTP2(true)
				tr := &http.Transport{Protocols: protos}
				t.Cleanup(tr.CloseIdleConnections)
				url, client = "http://"+g.addrs["h2c"], &http.Client{Transport: tr}
			}
			req, err := http.NewRequest(http.MethodPost, url+"/upload", r)
			if err != nil {
				t.Fatal(err)
			}
			res, body := do(t, client, req)
			if res.StatusCode != http.StatusOK || (tt.h2c && res.ProtoMajor != 2) {
				t.Fatalf("status %d over %s: %s", res.StatusCode, res.Proto, body)
			}
			rv := decodeReceived(t, body)
			if rv.Len != int64(tt.size) || rv.SHA256 != sum(want) {
				t.Errorf("upstream got %d bytes (sha256 %s), want %d (%s)", rv.Len, rv.SHA256, tt.size, sum(want))
			}
			if rv.ContentLength != int64(tt.size) {
				t.Errorf("upstream Content-Length = %d, want %d", rv.ContentLength, tt.size)
			}
			if rv.Seen != tt.wantFiles {
				t.Errorf("%d files in BodyTempDir during the request, want %d", rv.Seen, tt.wantFiles)
			}
			// The file goes when the handler returns, which may be just
			// after the client has its answer.
			deadline := time.Now().Add(5 * time.Second)
			for files() > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := files(); n > 0 {
				t.Errorf("%d files left in BodyTempDir after the request", n)
			}
		})
	}
}
