package proxy_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// TestShutdownDrains: Shutdown stops accepting at once but waits for the
// request in flight, which completes normally.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		_, _ = w.Write([]byte("done"))
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get(g.url() + "/")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, err := readAll(res)
		res.Body.Close()
		inflight <- result{res.StatusCode, string(b), err}
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("request never reached the upstream")
	}
	if s := g.p.Stats(); s.ConnectionsActive != 1 {
		t.Errorf("ConnectionsActive = %d during the request, want 1", s.ConnectionsActive)
	}

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shutdown <- g.p.Shutdown(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", g.addrs["http"], time.Second)
		if err != nil {
			break // no longer accepting
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts after Shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	r := <-inflight
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("in-flight request: %d %q %v, want 200 \"done\"", r.status, r.body, r.err)
	}
	if err := <-shutdown; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
