package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
	_ "github.com/gantryhq/gantry/plugins/http-log"
)

// TestRetiredPluginStateStops edits an http-log plugin out of the config
// and checks that its queue stops with the last snapshot that used it
// (before, every edit left the queue's connections to the log receiver
// and their goroutines behind), then that Registry.Close stops the queue
// of the snapshot still in service. Not parallel: it counts the process's
// goroutines.
func TestRetiredPluginStateStops(t *testing.T) {
	received := make(chan struct{}, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case received <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(receiver.Close)
	// The upstream and the client keep no connection open, so what stays
	// after a request is the plugin's.
	up := httptest.NewUnstartedServer(echoHandler("up"))
	up.Config.SetKeepAlivesEnabled(false)
	up.Start()
	t.Cleanup(up.Close)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	reg := plugin.Bundled(nil)
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	route := newRoute(svc, []string{"/"})
	plain := func() *entity.Config {
		return &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{route}}
	}
	logged := func() *entity.Config {
		cfg := plain()
		cfg.Plugins = []*entity.Plugin{newPlugin("http-log", route, map[string]any{"http_endpoint": receiver.URL})}
		return cfg
	}
	request := func() {
		t.Helper()
		res, err := client.Get(g.url() + "/")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	logs := func() {
		t.Helper()
		request()
		select {
		case <-received:
		case <-time.After(10 * time.Second):
			t.Fatal("the log receiver got no entry")
		}
	}

	g.applyWith(plain(), snapshot.Options{Plugins: reg})
	request()
	baseline := settledGoroutines()

	g.applyWith(logged(), snapshot.Options{Plugins: reg})
	logs()
	if n := runtime.NumGoroutine(); n <= baseline {
		t.Fatalf("%d goroutines with a log queue at work, baseline %d: the test would prove nothing", n, baseline)
	}
	g.applyWith(plain(), snapshot.Options{Plugins: reg}) // retires the snapshot with http-log
	waitGoroutines(t, baseline, "after the last snapshot with http-log retired")

	g.applyWith(logged(), snapshot.Options{Plugins: reg})
	logs()
	if err := reg.Close(); err != nil {
		t.Errorf("Registry.Close: %v", err)
	}
	waitGoroutines(t, baseline, "after Registry.Close")
	if err := reg.Close(); err != nil {
		t.Errorf("second Registry.Close: %v", err)
	}
}

// settledGoroutines returns the goroutine count once it stopped changing
// (connections of earlier requests closing), or after two seconds.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// waitGoroutines fails t unless the goroutine count drops to baseline
// within ten seconds.
func waitGoroutines(t *testing.T, baseline int, when string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%s: %d goroutines, baseline %d; goroutines:\n%s", when, runtime.NumGoroutine(), baseline, bytes.TrimSpace(buf))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
