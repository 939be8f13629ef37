package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// TestReloadUnderLoad swaps snapshots continuously while clients send
// requests: no request may fail and no client connection may be closed.
func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	a, b := echoServer(t, "a"), echoServer(t, "b")
	up, targets, svc := newUpstream("load.upstream", a.Listener.Addr().String(), b.Listener.Addr().String())
	direct := newService(a.URL)
	g := newGateway(t, proxy.Options{}, nil)
	config := func(i int) *entity.Config {
		// Every version differs (a new route each time) while the upstream
		// stays, so its balancer is handed over from snapshot to snapshot.
		extra := newService(b.URL)
		return &entity.Config{
			Services:  []*entity.Service{svc, direct, extra},
			Upstreams: []*entity.Upstream{up},
			Targets:   targets,
			Routes: []*entity.Route{
				newRoute(svc, []string{"/balanced"}),
				newRoute(direct, []string{"/direct"}),
				newRoute(extra, []string{"/extra-" + itoa(i)}),
			},
		}
	}
	g.apply(config(0))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 1; ctx.Err() == nil; i++ {
			g.apply(config(i))
			swaps.Add(1)
		}
	})

	const clients = 8
	var ok, failed atomic.Int64
	for c := range clients {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			path := []string{"/balanced", "/direct"}[c%2]
			for i := 0; i < 400 && ctx.Err() == nil; i++ {
				res, err := client.Get(g.url() + path + "/" + itoa(i))
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					failed.Add(1)
					return
				}
				var e echo
				body, err := io.ReadAll(res.Body) // to EOF, so the connection is reused
				res.Body.Close()
				if err == nil {
					err = json.Unmarshal(body, &e)
				}
				if res.StatusCode != http.StatusOK || err != nil {
					t.Errorf("client %d request %d: status %d, %v", c, i, res.StatusCode, err)
					failed.Add(1)
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d requests failed during %d swaps", failed.Load(), swaps.Load())
	}
	if swaps.Load() < 10 || ok.Load() < 100 {
		t.Fatalf("too little happened to judge: %d swaps, %d requests", swaps.Load(), ok.Load())
	}
	if acc := g.p.Stats().ConnectionsAccepted; acc > clients {
		t.Errorf("%d client connections for %d keep-alive clients: swaps closed connections", acc, clients)
	}
	t.Logf("%d requests, %d swaps", ok.Load(), swaps.Load())
}

// TestLongRequestSurvivesSwap: a request in flight finishes on the
// snapshot it started with, even when the next one drops its route and
// upstream (whose balancer is then closed).
func TestLongRequestSurvivesSwap(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		_, _ = w.Write([]byte("finished"))
	}))
	up, targets, svc := newUpstream("long.upstream", slow.Listener.Addr().String())
	g := newGateway(t, proxy.Options{}, nil)
	g.apply(&entity.Config{
		Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
		Routes: []*entity.Route{newRoute(svc, []string{"/long"})},
	})

	type result struct {
		status int
		body   string
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get(g.url() + "/long")
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		b, _ := readAll(res)
		res.Body.Close()
		done <- result{res.StatusCode, string(b)}
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("request never reached the upstream")
	}
	g.apply(&entity.Config{})
	if res, body := get(t, g.url()+"/long"); res.StatusCode != http.StatusNotFound {
		t.Errorf("new requests should see the new config: %d %s", res.StatusCode, body)
	}
	close(release)
	select {
	case r := <-done:
		if r.status != http.StatusOK || r.body != "finished" {
			t.Errorf("in-flight request: %d %q, want 200 \"finished\"", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never finished")
	}
}

// TestUpstreamConnectionsSurviveSwaps: keep-alive connections to an
// upstream are pooled per service settings, not per snapshot, so config
// changes do not reconnect.
func TestUpstreamConnectionsSurviveSwaps(t *testing.T) {
	t.Parallel()
	up, conns := countingServer(t, echoHandler("a"))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	for i := range 10 {
		g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{
			newRoute(svc, []string{"/"}), newRoute(svc, []string{"/v" + itoa(i)}),
		}})
		if res, body := get(t, g.url()+"/"); res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the upstream saw %d connections over 10 config versions, want 1", n)
	}
}
