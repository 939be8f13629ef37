package proxy_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// Upstream exchanges ending early or late: clients that leave, slow
// streams, shutdown.

// TestClientLeavesDuringUpstreamWait: a client that gives up must free
// the upstream too: the upstream sees its request cancelled rather than
// the proxy waiting out read_timeout.
func TestClientLeavesDuringUpstreamWait(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{}, 1)
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(10 * time.Second):
		}
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL, func(s *entity.Service) { s.ReadTimeout = 60000 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("got %d, want the client's own timeout", res.StatusCode)
	} else if !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("client error %v, want its deadline", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was still running 5 s after the client left")
	}
}

// TestStreamLongerThanReadTimeout: read_timeout bounds the wait between
// two reads, not the whole response: a body that keeps coming, each part
// within read_timeout, reaches the client whole however long it lasts.
func TestStreamLongerThanReadTimeout(t *testing.T) {
	t.Parallel()
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 6 {
			_, _ = io.WriteString(w, "part"+itoa(i)+";")
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
		}
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL, func(s *entity.Service) { s.ReadTimeout = 400 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	res, body := get(t, g.url()+"/")
	if want := "part0;part1;part2;part3;part4;part5;"; res.StatusCode != http.StatusOK || string(body) != want {
		t.Fatalf("got %d %q, want 200 %q", res.StatusCode, body, want)
	}
}

// TestUpstreamConnectionsClosedOnShutdown: after Shutdown no keep-alive
// connection to an upstream stays open, on either kind of request.
func TestUpstreamConnectionsClosedOnShutdown(t *testing.T) {
	t.Parallel()
	var open atomic.Int64
	up := httptest.NewUnstartedServer(echoHandler("up"))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	if res, _ := get(t, g.url()+"/"); res.StatusCode != http.StatusOK { // fast path
		t.Fatalf("GET: %d", res.StatusCode)
	}
	if res, _ := post(t, g.url()+"/", "body"); res.StatusCode != http.StatusOK { // net/http's Transport
		t.Fatalf("POST: %d", res.StatusCode)
	}
	if n := open.Load(); n != 2 {
		t.Fatalf("%d upstream connections open after a GET and a POST, want 2 (one per pool)", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d upstream connections still open 5 s after Shutdown, want 0", n)
	}
}
