package node

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/entity"
)

// switchSource is a ConfigSource whose answer a test changes between reloads.
type switchSource struct {
	mu  sync.Mutex
	cfg *entity.Config
	err error
}

func (s *switchSource) Describe() string { return "test source" }

func (s *switchSource) Load(context.Context) (*entity.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg, s.err
}

func (s *switchSource) set(cfg *entity.Config, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg, s.err = cfg, err
}

// settings returns DB-less settings on loopback port 0 in a fresh prefix.
func settings(t *testing.T, extra ...config.Flag) *config.Config {
	t.Helper()
	flags := []config.Flag{
		{Key: "prefix", Value: t.TempDir()},
		{Key: "database", Value: "off"},
		{Key: "proxy_listen", Value: "127.0.0.1:0"},
		{Key: "status_listen", Value: "127.0.0.1:0"},
		{Key: "drain_timeout", Value: "5"},
	}
	c, err := config.Load(config.Options{DefaultConfFile: "/nonexistent/gantry.conf", Flags: append(flags, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runNode starts a node and stops it at the end of the test. The returned
// stop cancels the node and returns Run's result (it may be called twice).
func runNode(t *testing.T, opts Options) (*Node, func() error) {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() { runErr = n.Run(ctx); close(done) }()
	stop := func() error {
		cancel()
		select {
		case <-done:
			return runErr
		case <-time.After(15 * time.Second):
			t.Error("node did not stop within 15s")
			return nil
		}
	}
	select {
	case <-n.Bound():
	case <-done:
		t.Fatalf("node stopped during start-up: %v", runErr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("node did not bind its listeners within 10s")
	}
	t.Cleanup(func() { stop() })
	return n, stop
}

// upstream is a real HTTP server on loopback answering its name.
func upstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			time.Sleep(d)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// oneRoute is a config routing every path to url.
func oneRoute(url string) *entity.Config {
	svc := entity.NewService()
	svc.ID, svc.Name, svc.URL = "8a9d1b36-4c39-4d52-9a43-5cb0b2a3c1a1", "svc", url
	entity.Normalize(svc)
	rt := entity.NewRoute()
	rt.ID, rt.Name, rt.Paths = "0f3b6a8e-7c2d-4f61-8e0a-2b9c5d4e3f21", "all", []string{"/"}
	rt.Service = &entity.Ref{ID: svc.ID}
	return &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{rt}}
}

// get fetches url and returns status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var errBroken = errors.New("services[0].url: invalid url")

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
