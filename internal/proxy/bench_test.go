package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the proxy rather than a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

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
	benchProxy(b, cfg, snapshot.Options{})
}

// BenchmarkProxyKeyAuth is BenchmarkProxy with key-auth on the route: the
// cost of a plugin chain (context, access phase, consumer lookup).
func BenchmarkProxyKeyAuth(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer up.Close()
	svc := newService(up.URL)
	route := newRoute(svc, []string{"/api"}, func(r *entity.Route) { r.Hosts = []string{"api.example.com"} })
	consumer := &entity.Consumer{Meta: entity.Meta{ID: uuid.NewString()}, Username: "alice"}
	cfg := &entity.Config{
		Services: []*entity.Service{svc}, Routes: []*entity.Route{route}, Consumers: []*entity.Consumer{consumer},
		KeyAuths: []*entity.KeyAuth{{Meta: entity.Meta{ID: uuid.NewString()}, Consumer: &entity.Ref{ID: consumer.ID}, Key: "secret"}},
		Plugins:  []*entity.Plugin{newPlugin("key-auth", route, map[string]any{})},
	}
	benchProxy(b, cfg, snapshot.Options{Plugins: plugin.Bundled(nil)}, "apikey", "secret")
}

// benchProxy serves GET http://api.example.com/api/users?id=1 (with the
// given headers) through a proxy running cfg, in process.
func benchProxy(b *testing.B, cfg *entity.Config, opts snapshot.Options, hdr ...string) {
	p := proxy.New(proxy.Options{})
	s, err := snapshot.Build(cfg, nil, opts)
	if err != nil {
		b.Fatal(err)
	}
	p.Swap(s)
	defer s.Retire(nil)
	req := httptest.NewRequest(http.MethodGet, "http://api.example.com/api/users?id=1", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	req.RemoteAddr = "127.0.0.1:40000"
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		clear(w.h)
		p.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user + system) the process has used: per
// request, it is the proxy's (and the in-process upstream's) cost, which
// unlike ns/op hardly moves when other programs compete for the cores.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProxyDuringBuilds is BenchmarkProxy while another goroutine
// builds and swaps in 5,000-route snapshots, back to back or at a fixed
// rate (what a throttled builder would do): compare its ns/op and p99 with
// BenchmarkProxy's to see what config work costs requests. Run it with
// -cpu 1 for the production setting (GOMAXPROCS=1: builder and requests
// share one core) and -benchtime=2s so the slower rates build a few times.
func BenchmarkProxyDuringBuilds(b *testing.B) {
	for _, bb := range []struct {
		name  string
		every time.Duration
	}{
		{"back-to-back", 0},
		{"10-per-s", 100 * time.Millisecond},
		{"1-per-s", time.Second},
	} {
		b.Run(bb.name, func(b *testing.B) { benchDuringBuilds(b, bb.every) })
	}
}

func benchDuringBuilds(b *testing.B, every time.Duration) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer up.Close()
	svc := newService(up.URL)
	cfg := &entity.Config{Services: []*entity.Service{svc}}
	cfg.Routes = append(cfg.Routes, newRoute(svc, []string{"/api"}, func(r *entity.Route) { r.Hosts = []string{"api.example.com"} }))
	for i := range 5000 {
		cfg.Routes = append(cfg.Routes, newRoute(svc, []string{"/r" + itoa(i)}, func(r *entity.Route) { r.Hosts = []string{"h" + itoa(i%50) + ".example.com"} }))
	}
	p := proxy.New(proxy.Options{})
	first, err := snapshot.Build(cfg, nil, snapshot.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p.Swap(first)
	stop := make(chan struct{})
	built := make(chan int)
	go func() {
		n := 0
		defer func() { built <- n }()
		tick := time.NewTicker(max(every, time.Microsecond))
		defer tick.Stop()
		for {
			if every > 0 {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
			select {
			case <-stop:
				return
			default:
			}
			next, err := snapshot.Build(cfg, p.Current(), snapshot.Options{Hash: itoa(n)})
			if err != nil {
				b.Error(err)
				return
			}
			p.Swap(next)
			n++
		}
	}()
	req := httptest.NewRequest(http.MethodGet, "http://api.example.com/api/users?id=1", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	w := &discardWriter{h: http.Header{}}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		t0 := time.Now()
		p.ServeHTTP(w, req)
		lat = append(lat, time.Since(t0))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	close(stop)
	b.ReportMetric(float64(<-built), "builds")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
	p.Current().Retire(nil)
}
