package balancer

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// backend is a real HTTP server on 127.0.0.1 whose status the test controls.
type backend struct {
	srv    *httptest.Server
	addr   string
	hits   atomic.Int64
	status atomic.Int64
	delay  atomic.Int64 // nanoseconds to sleep before answering
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{}
	b.status.Store(http.StatusOK)
	b.srv = httptest.NewServer(b.handler())
	b.addr = b.srv.Listener.Addr().String()
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		if d := b.delay.Load(); d > 0 {
			time.Sleep(time.Duration(d))
		}
		w.WriteHeader(int(b.status.Load()))
	})
}

// restart serves again on the same port after srv.Close.
func (b *backend) restart(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", b.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen again on %s: %v", b.addr, err)
	}
	b.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: b.handler()}}
	b.srv.Start()
	t.Cleanup(b.srv.Close)
}

// targets builds targets from "host:port", weight pairs.
func targets(pairs ...any) []*entity.Target {
	var out []*entity.Target
	for i := 0; i+1 < len(pairs); i += 2 {
		t := entity.NewTarget()
		t.Target = pairs[i].(string)
		t.Weight = pairs[i+1].(int)
		out = append(out, t)
	}
	return out
}

func start(t *testing.T, up *entity.Upstream, ts []*entity.Target, opts Options) *Balancer {
	t.Helper()
	b, err := New(up, ts, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b.Start()
	t.Cleanup(b.Close)
	return b
}

// proxy picks a peer, sends one real request to it and reports the outcome,
// as the proxy does. It returns the peer used.
func proxy(t *testing.T, b *Balancer, in *PickInput) (Peer, error) {
	t.Helper()
	p, err := b.Pick(in)
	if err != nil {
		return p, err
	}
	began := time.Now()
	resp, err := http.Get("http://" + p.Addr + "/")
	res := Result{LatencyMS: float64(time.Since(began).Microseconds()) / 1000}
	if err != nil {
		res.TCPFailure = true
	} else {
		res.Status = resp.StatusCode
		resp.Body.Close()
	}
	b.Done(p, res)
	return p, nil
}

// healthOf returns the Health() row of target.
func healthOf(b *Balancer, target string) string {
	for _, h := range b.Health() {
		if h.Target == target {
			return h.Health
		}
	}
	return "absent"
}

// picks counts which target each of n picks lands on, with Done at once.
func picks(t *testing.T, b *Balancer, n int, in func(i int) *PickInput) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i := range n {
		var pin *PickInput
		if in != nil {
			pin = in(i)
		}
		p, err := b.Pick(pin)
		if err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		b.Done(p, Result{Status: 200})
		got[p.Target]++
	}
	return got
}

func describe(m map[string]int) string { return fmt.Sprint(m) }

func requestWithHeader(name, value string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(name, value)
	return r
}
