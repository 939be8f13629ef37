package dp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// BenchmarkProxyWhileApplying measures proxied requests through a real
// proxy serving a 10,000-route configuration while the agent alternates
// one-second windows: applying 10,000-route configurations in a loop, then
// idle (docs/design.md, "The hot path stays clear of config work"). Requests are
// counted in the histogram of the window they started in, so both see the
// same background load, and idle-p99 vs apply-p99 (and p99-ratio) compare
// like with like; the absolute numbers depend on the machine. The "full"
// runs push the whole configuration, the "delta" runs what the control
// plane sends a data plane one version behind; gap=N paces applies as the
// control plane does (the next push waits N times the last apply's
// duration; pipeline.PaceAfter uses 2), gap=0 applies back to back. Run with
// -benchtime=8s or more: a run must span several windows.
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
	pushes := encodePushes(b, cfgs)

	p := proxy.New(proxy.Options{})
	a := testAgent(b)
	a.apply = func(_ context.Context, u pipeline.Update) error {
		next, err := snapshot.Build(u.Config.Config(), p.Current(), snapshot.Options{Digest: u.Config.Digest(), Validated: true})
		if err != nil {
			return err
		}
		p.Swap(next)
		return nil
	}
	apply := func(push *clusterpb.ConfigPush) {
		if res := a.applyPush(context.Background(), push); !res.Ok || res.Resync {
			b.Fatalf("push not applied: %+v", res)
		}
	}
	apply(pushes.full[0])
	url := serveProxy(b, p) + "/r5000"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Cleanup(client.CloseIdleConnections)

	for _, mode := range []string{"full", "delta"} {
		for _, gap := range []int{0, 2} {
			b.Run(fmt.Sprintf("%s/gap=%d", mode, gap), func(b *testing.B) {
				apply(pushes.full[0])
				var applying atomic.Bool
				stop := make(chan struct{})
				var wg sync.WaitGroup
				applied := 0
				wg.Go(func() {
					for i := 1; ; {
						applying.Store(true)
						for end := time.Now().Add(time.Second); time.Now().Before(end); i++ {
							start := time.Now()
							apply(pushes.next(mode, i))
							applied++
							time.Sleep(time.Duration(gap) * time.Since(start))
						}
						applying.Store(false)
						select {
						case <-stop:
							return
						case <-time.After(time.Second):
						}
					}
				})
				var idle, busy latencies
				for b.Loop() {
					h := &idle
					if applying.Load() {
						h = &busy
					}
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
					h.add(time.Since(start))
				}
				close(stop)
				wg.Wait()
				b.ReportMetric(idle.quantile(0.50), "idle-p50-µs")
				b.ReportMetric(idle.quantile(0.99), "idle-p99-µs")
				b.ReportMetric(busy.quantile(0.50), "apply-p50-µs")
				b.ReportMetric(busy.quantile(0.99), "apply-p99-µs")
				if q := idle.quantile(0.99); q > 0 {
					b.ReportMetric(busy.quantile(0.99)/q, "p99-ratio")
				}
				b.ReportMetric(float64(applied), "applies")
			})
		}
	}
}

// benchPushes are the pushes that turn cfgs[0] into cfgs[1] and back.
type benchPushes struct {
	full  [2]*clusterpb.ConfigPush
	delta [2]*clusterpb.ConfigPush // delta[i] turns cfgs[1-i] into cfgs[i]
}

func encodePushes(b *testing.B, cfgs [2]*entity.Config) *benchPushes {
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	var ps benchPushes
	for i, c := range cfgs {
		e, err := codec.EncodeFull(int64(i+1), c.Hash(), c)
		if err != nil {
			b.Fatal(err)
		}
		ps.full[i] = &clusterpb.ConfigPush{Version: e.Version, Hash: e.Hash, Payload: e.Payload, Checksum: e.Checksum}
	}
	for i := range 2 {
		e, err := codec.EncodeDelta(int64(i+1), cfgs[i].Hash(), deltaOf(b, cfgs[1-i], cfgs[i]))
		if err != nil {
			b.Fatal(err)
		}
		ps.delta[i] = &clusterpb.ConfigPush{Version: e.Version, Hash: e.Hash, Tree: cfgs[i].Digest().Tree, Delta: true,
			BaseVersion: int64(2 - i), BaseHash: cfgs[1-i].Hash(), Payload: e.Payload, Checksum: e.Checksum}
	}
	return &ps
}

// next is the i-th push of a loop alternating between the two configs.
func (ps *benchPushes) next(mode string, i int) *clusterpb.ConfigPush {
	if mode == "delta" {
		return ps.delta[i%2]
	}
	return ps.full[i%2]
}

// serveProxy serves p on a loopback port until the benchmark ends and
// returns its base URL.
func serveProxy(b *testing.B, p *proxy.Proxy) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.Serve(ln, proxy.ListenOptions{})
	}()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// latencies is a histogram of request durations in 5 µs buckets up to
// 100 ms (slower ones count in the last bucket), so a long run keeps no
// per-request sample.
type latencies struct {
	buckets [20001]int
	n       int
}

const bucketWidth = 5 * time.Microsecond

func (h *latencies) add(d time.Duration) {
	i := min(int(d/bucketWidth), len(h.buckets)-1)
	h.buckets[i]++
	h.n++
}

// quantile returns the upper bound, in µs, of the bucket holding the q-th
// quantile.
func (h *latencies) quantile(q float64) float64 {
	want := int(q * float64(h.n))
	seen := 0
	for i, c := range h.buckets {
		seen += c
		if seen > want {
			return float64(time.Duration(i+1)*bucketWidth) / float64(time.Microsecond)
		}
	}
	return 0
}
