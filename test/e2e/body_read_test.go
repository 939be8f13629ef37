package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// TestPluginBodyReadBoundedByMaxBodySize: on a route whose plugin reads
// the request body (request-transformer adding a JSON field), a 300 MB
// body against proxy_max_body_size 1024 gets Kong's 413 without the
// gantry process growing: its peak RSS stays under 64 MB, where reading
// the body whole took it past 1 GB. Sent chunked and with a
// Content-Length, from a generator, over loopback.
func TestPluginBodyReadBoundedByMaxBodySize(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	t.Cleanup(up.Close)
	n := startDBLess(t, declFile(t, fmt.Sprintf(`_format_version: "3.0"
services:
- name: backend
  url: %s
  routes:
  - name: upload
    paths: [/upload]
    plugins:
    - name: request-transformer
      config:
        add:
          body: ["added:yes"]
`, up.URL)), "GANTRY_PROXY_MAX_BODY_SIZE=1024")
	addr := strings.TrimPrefix(n.ProxyURL(), "http://")

	// The plugin runs and reads bodies within the limit.
	resp, err := http.Post(n.ProxyURL()+"/upload", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(got, &m) != nil || m["added"] != "yes" {
		t.Fatalf("small body: %d %q, want the upstream to get the plugin's added field", resp.StatusCode, got)
	}

	const size = 300 << 20
	for _, chunked := range []bool{true, false} {
		code, body, sent := postGenerated(t, addr, size, chunked)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Payload too large") {
			t.Fatalf("300 MB body (chunked %v): %d %q, want Kong's 413", chunked, code, body)
		}
		t.Logf("chunked %v: 413 after the client wrote %d bytes", chunked, sent)
	}
	hwm := peakRSS(t, n.Cmd.Process.Pid)
	t.Logf("gantry peak RSS (VmHWM) after two 300 MB bodies: %d KiB", hwm>>10)
	if gantryproc.RaceBuild() {
		return // the race detector's shadow memory is no measure
	}
	if hwm >= 64<<20 {
		t.Errorf("gantry peak RSS %d MiB after a 300 MB body over a 1 KiB limit, want under 64 MiB", hwm>>20)
	}
}

// postGenerated POSTs a body of size bytes made on the fly to /upload over
// a raw connection, chunked or with its Content-Length, and reads the
// answer while still writing. It stops writing when the gateway closes the
// connection; the answer is the status and body.
func postGenerated(t *testing.T, addr string, size int64, chunked bool) (int, string, int64) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	head := "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += "Content-Length: " + strconv.FormatInt(size, 10) + "\r\n\r\n"
	}
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		const piece = 64 << 10
		data := bytes.Repeat([]byte("x"), piece)
		if chunked {
			data = fmt.Appendf(nil, "%x\r\n%s\r\n", piece, data)
		}
		for sent.Load() < size {
			if _, err := c.Write(data); err != nil {
				return // the gateway closed the connection
			}
			sent.Add(piece)
		}
		if chunked {
			_, _ = io.WriteString(c, "0\r\n\r\n")
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a %d-byte body: %v", size, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	c.Close()
	<-done
	return res.StatusCode, string(body), sent.Load()
}

// peakRSS is a process's peak resident set size in bytes (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the peak RSS from: %v", err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
