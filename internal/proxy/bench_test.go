package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the proxy rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkProxy measures one proxied GET, in process, to a loopback
// upstream over a pooled keep-alive connection.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer up.Close()
	svc := newService(up.URL)
	cfg := &entity.Config{
		Services: []*entity.Service{svc},
		Routes: []*entity.Route{
			newRoute(svc, []string{"/api"}, func(r *entity.Route) { r.Hosts = []string{"api.example.com"} }),
		},
	}
	p := proxy.New(proxy.Options{})
	s, err := snapshot.Build(cfg, nil, snapshot.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p.Swap(s)
	req := httptest.NewRequest(http.MethodGet, "http://api.example.com/api/users?id=1", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		p.ServeHTTP(w, req)
	}
}
