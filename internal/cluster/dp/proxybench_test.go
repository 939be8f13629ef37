package dp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// BenchmarkProxyWhileApplying measures proxied requests through a real
// proxy serving a 10,000-route configuration, first idle, then while the
// agent applies a new 10,000-route configuration back to back (SPEC §8: the
// request path does no config work). Compare the two p99 values of one run;
// the absolute numbers depend on the machine.
func BenchmarkProxyWhileApplying(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	host, port, _ := net.SplitHostPort(up.Listener.Addr().String())
	cfgs := [2]*entity.Config{bigConfig(10000), bigConfig(10000)}
	cfgs[1].Routes[1].Paths = []string{"/changed"}
	for _, c := range cfgs {
		for _, s := range c.Services {
			s.Host = host
			fmt.Sscan(port, &s.Port)
		}
	}
	codec, _ := wire.NewCodec(64 << 20)
	var full [2]*wire.Encoded
	for i, c := range cfgs {
		full[i], _ = codec.EncodeFull(int64(i+1), c.Hash(), c)
	}

	p := proxy.New(proxy.Options{})
	a := testAgent(b)
	a.opts.Apply = func(_ context.Context, cfg *entity.Config, hash string) error {
		next, err := snapshot.Build(cfg, p.Current(), snapshot.Options{Hash: hash})
		if err != nil {
			return err
		}
		p.Swap(next)
		return nil
	}
	push := func(i int) {
		e := full[i%2]
		if res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: e.Version, Hash: e.Hash, Payload: e.Payload, Checksum: e.Checksum}); !res.Ok {
			b.Fatal(res.Error)
		}
	}
	push(0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = p.Serve(ln, proxy.ListenOptions{}) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	}()
	url := "http://" + ln.Addr().String() + "/r5000"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

	run := func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Host = "h0.example.com" // route 5000's host
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		}
	}
	b.Run("idle", run)
	b.Run("applying", func(b *testing.B) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		applied := 0
		wg.Go(func() {
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				push(i)
				applied++
			}
		})
		run(b)
		close(stop)
		wg.Wait()
		b.ReportMetric(float64(applied), "applies")
	})
}
