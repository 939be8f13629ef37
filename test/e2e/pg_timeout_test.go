package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// blackhole is a TCP relay on loopback to a target that, while dropping
// is set, reads what either side sends and forwards nothing: to both ends
// the other side has stopped answering, as when a network drops packets
// (not refuses them). Connections stay open.
type blackhole struct {
	ln       net.Listener
	target   string
	dropping atomic.Bool
	wg       sync.WaitGroup
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: target}
	b.wg.Go(b.accept)
	t.Cleanup(func() { ln.Close() })
	return b
}

func (b *blackhole) addr() (string, int) {
	a := b.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (b *blackhole) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", b.target)
		if err != nil {
			c.Close()
			continue
		}
		go b.pipe(c, up)
		go b.pipe(up, c)
	}
}

// pipe copies from src to dst, dropping everything while b is dropping.
func (b *blackhole) pipe(src, dst net.Conn) {
	defer src.Close()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !b.dropping.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestDatabaseThatStopsAnswering: with PostgreSQL behind a relay that
// starts dropping everything, the Admin API answers 503 within about
// pg_timeout (it hung for minutes), GET / and /status answer (the latter
// saying the database is not reachable), and once packets flow again the
// node recovers by itself.
func TestDatabaseThatStopsAnswering(t *testing.T) {
	t.Parallel()
	srv, pg := startPG(t)
	hole := newBlackhole(t, net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
	host, port := hole.addr()
	viaHole := append(append([]string{}, pg...), "GANTRY_PG_HOST="+host, "GANTRY_PG_PORT="+strconv.Itoa(port), "GANTRY_PG_TIMEOUT=1000")
	if code, out := gantryWith(t, gantryproc.Env(viaHole...), append([]string{"migrations", "bootstrap"}, gantryproc.Hermetic(t)...)...); code != 0 {
		t.Fatalf("migrations bootstrap = %d\n%s", code, out)
	}
	n := startTraditional(t, viaHole...)
	client := &http.Client{Timeout: 60 * time.Second}
	call := func(method, path, body string) (int, string, time.Duration) {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), method, n.AdminURL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), time.Since(start)
	}
	if code, body, _ := call("POST", "/services", `{"name":"before","url":"http://127.0.0.1:1"}`); code != 201 {
		t.Fatalf("POST /services before = %d %s", code, body)
	}

	hole.dropping.Store(true)
	for _, path := range []string{"/services", "/routes"} {
		code, body, took := call("GET", path, "")
		// pg_timeout is 1 s; the bound below is loose on purpose (a busy
		// machine), and far below the minutes a dropped connection took.
		if code != 503 || !strings.Contains(body, "database") || took > 15*time.Second {
			t.Fatalf("GET %s with the database silent: %d %s after %v; want 503 within about pg_timeout", path, code, body, took)
		}
	}
	if code, body, _ := call("GET", "/", ""); code != 200 {
		t.Fatalf("GET / with the database silent: %d %s", code, body)
	}
	code, body, took := call("GET", "/status", "")
	var st struct {
		Database struct{ Reachable bool } `json:"database"`
	}
	_ = json.Unmarshal([]byte(body), &st)
	if code != 200 || st.Database.Reachable || took > 15*time.Second {
		t.Fatalf("GET /status with the database silent: %d %s after %v; want 200, reachable false", code, body, took)
	}

	hole.dropping.Store(false)
	testutil.Eventually(t, "the Admin API recovers once the database answers", 60*time.Second, func() bool {
		code, _, _ := call("GET", "/services/before", "")
		return code == 200
	})
	if code, body, _ := call("POST", "/services", `{"name":"after","url":"http://127.0.0.1:1"}`); code != 201 {
		t.Fatalf("POST /services after recovery = %d %s", code, body)
	}
}
