// Command gantry-fleetsim simulates data planes for a control plane and
// measures it (make bench-cluster, scripts/bench-cluster.sh):
//
//	gantry-fleetsim gencert CERT KEY     writes a shared-mode cluster certificate
//	gantry-fleetsim run -cluster ADDR -cert CERT -key KEY -n N
//	                                     keeps N simulated data planes connected until interrupted
//	gantry-fleetsim seed -admin URL -seed N  makes the benchmark's service and N routes
//	gantry-fleetsim bench -cluster ADDR -admin URL -cert CERT -key KEY [-n N] [-real M] ...
//	                                     measures Admin write → every data plane running it
//
// bench waits for the fleet (N simulated data planes it opens, and M real
// ones already connected to the control plane) to run the current
// configuration, makes -changes Admin writes (one new route each), and
// measures for each data plane the time from the write to its report of
// running the new configuration: a simulated one's ApplyResult (see
// package fleetsim for what it checks), a real one's row in GET
// /clustering/data-planes, polled every -poll (so real data planes are
// measured to that resolution). With -restart it then runs that command,
// which must restart the control plane, and measures the reconnect storm.
// It prints one line per measure; the last line is
// "cluster: N DPs, propagation p50 X ms p99 Y ms, CP memory per DP Z KB".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/fleetsim"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/version"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gantry-fleetsim:", err)
		os.Exit(1)
	}
}

type config struct {
	cluster, admin, cert, key, prefix, ver, restart, pidFile, svg string
	n, real, changes, seed                                        int
	heartbeat, gap, poll, timeout                                 time.Duration
	baselineKB                                                    int
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gantry-fleetsim gencert CERT KEY | run [flags] | seed [flags] | bench [flags] (-h for the flags)")
	}
	if args[0] == "gencert" {
		if len(args) != 3 {
			return errors.New("usage: gantry-fleetsim gencert CERT KEY")
		}
		return clustertls.GenCert(args[1], args[2], 30, time.Now())
	}
	if args[0] != "run" && args[0] != "bench" && args[0] != "seed" {
		return fmt.Errorf("unknown command %q: want gencert, run, seed or bench", args[0])
	}
	var c config
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.StringVar(&c.cluster, "cluster", "", "the control plane's cluster address (host:port)")
	fs.StringVar(&c.admin, "admin", "", "the control plane's Admin API URL (bench)")
	fs.StringVar(&c.cert, "cert", "", "cluster_cert file")
	fs.StringVar(&c.key, "key", "", "cluster_cert_key file")
	fs.StringVar(&c.prefix, "prefix", "sim", "node id prefix of the simulated data planes")
	fs.StringVar(&c.ver, "version", version.Version, "Gantry version the simulated data planes announce")
	fs.StringVar(&c.restart, "restart", "", "shell command restarting the control plane, for the reconnect storm (bench)")
	fs.StringVar(&c.svg, "svg", "", "file to write a plot of the propagation times to (bench)")
	fs.StringVar(&c.pidFile, "cp-pid-file", "", "file holding the control plane's pid, to read its memory (bench)")
	fs.IntVar(&c.n, "n", 0, "simulated data planes to open")
	fs.IntVar(&c.real, "real", 0, "real data planes connected to the control plane to wait for and measure (bench)")
	fs.IntVar(&c.changes, "changes", 5, "Admin writes to measure (bench)")
	fs.IntVar(&c.seed, "seed", 0, "routes to create first, so a change is small next to the configuration (bench)")
	fs.IntVar(&c.baselineKB, "baseline-kb", 0, "the control plane's RSS before any data plane connected, in KB (bench; default: read before opening the simulated ones)")
	fs.DurationVar(&c.heartbeat, "heartbeat", 30*time.Second, "heartbeat interval of the simulated data planes")
	fs.DurationVar(&c.gap, "gap", 3*time.Second, "pause between Admin writes (bench)")
	fs.DurationVar(&c.poll, "poll", 20*time.Millisecond, "how often GET /clustering/data-planes is polled for real data planes (bench)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "how long the fleet may take to connect or converge (bench)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "seed" {
		if c.admin == "" {
			return errors.New("seed: -admin (the control plane's Admin API URL) is required")
		}
		return (&bencher{c: &c, http: &http.Client{Timeout: 30 * time.Second}}).seed(context.Background())
	}
	if c.cluster == "" || c.cert == "" || c.key == "" {
		return errors.New("-cluster, -cert and -key are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if args[0] == "run" {
		if c.n <= 0 {
			return errors.New("-n: want at least one simulated data plane")
		}
		f, err := start(ctx, &c)
		if err != nil {
			return err
		}
		f.Wait()
		return nil
	}
	if c.admin == "" {
		return errors.New("bench: -admin (the control plane's Admin API URL) is required")
	}
	if c.n+c.real <= 0 {
		return errors.New("bench: -n or -real: want at least one data plane")
	}
	return bench(ctx, &c)
}

func start(ctx context.Context, c *config) (*fleetsim.Fleet, error) {
	cert, err := clustertls.Load(c.cert, c.key)
	if err != nil {
		return nil, err
	}
	// The plugins a gantry data plane of this build announces, as a real
	// one's hello carries them.
	reg := plugin.Bundled(slog.New(slog.DiscardHandler))
	defer reg.Close()
	return fleetsim.Start(ctx, fleetsim.Options{Addr: c.cluster, TLS: clustertls.ClientConfig(cert), N: c.n,
		Prefix: c.prefix, Version: c.ver, Heartbeat: c.heartbeat, Plugins: reg.Versions()})
}

// bencher holds a bench run's state.
type bencher struct {
	c     *config
	fleet *fleetsim.Fleet // nil without simulated data planes
	http  *http.Client
}

func bench(ctx context.Context, c *config) error {
	b := &bencher{c: c, http: &http.Client{Timeout: 30 * time.Second}}
	if err := b.seed(ctx); err != nil {
		return err
	}
	// The baseline is the CP holding the configuration, without the fleet.
	baseline := c.baselineKB
	if baseline == 0 && c.pidFile != "" {
		time.Sleep(time.Second)
		baseline = rssKB(c.pidFile)
	}
	started := time.Now()
	if c.n > 0 {
		f, err := start(ctx, c)
		if err != nil {
			return err
		}
		b.fleet = f
	}
	wait, cancel := context.WithTimeout(ctx, c.timeout)
	hash, err := b.converged(wait, "")
	cancel()
	if err != nil {
		return err
	}
	total := c.n + c.real
	fmt.Printf("fleet: %d data planes (%d simulated, %d real) running %.12s after %v\n", total, c.n, c.real, hash, time.Since(started).Round(time.Millisecond))

	// Idle memory: what the fleet costs the CP once connected.
	memPerDP := -1.0
	if c.pidFile != "" {
		time.Sleep(3 * time.Second)
		rss := rssKB(c.pidFile)
		memPerDP = float64(rss-baseline) / float64(total)
		fmt.Printf("memory: CP RSS %d KB idle with %d data planes, %d KB before: %.1f KB per data plane\n", rss, total, baseline, memPerDP)
	}

	var lat []time.Duration
	var writes []time.Duration
	for i := range c.changes {
		if i > 0 {
			time.Sleep(c.gap)
		}
		t0 := time.Now()
		if err := b.addRoute(ctx, fmt.Sprintf("bench-%d-%d", started.UnixNano(), i)); err != nil {
			return err
		}
		writes = append(writes, time.Since(t0))
		wait, cancel := context.WithTimeout(ctx, c.timeout)
		next, times, err := b.convergedTimes(wait, hash)
		cancel()
		if err != nil {
			return fmt.Errorf("change %d: %w", i+1, err)
		}
		hash = next
		var last time.Duration
		for _, at := range times {
			d := max(at.Sub(t0), 0)
			lat = append(lat, d)
			last = max(last, d)
		}
		fmt.Printf("change %d: Admin write %v, every data plane running it after %v\n", i+1,
			writes[len(writes)-1].Round(100*time.Microsecond), last.Round(time.Millisecond))
	}
	p50, p99 := pct(lat, 50), pct(lat, 99)
	fmt.Printf("propagation: %d data planes x %d changes: p50 %.1f ms p99 %.1f ms max %.1f ms; Admin write p50 %.1f ms max %.1f ms\n",
		total, c.changes, ms(p50), ms(p99), ms(pct(lat, 100)), ms(pct(writes, 50)), ms(pct(writes, 100)))
	if c.svg != "" {
		kind := "real"
		if c.n > 0 {
			kind = "simulated"
		}
		title := fmt.Sprintf("%d %s data planes, %d changes: p50 %.0f ms, p99 %.0f ms", total, kind, c.changes, ms(p50), ms(p99))
		if err := writeCDF(c.svg, title, lat); err != nil {
			return err
		}
	}
	if b.fleet != nil {
		var fulls, deltas, fullBytes, deltaBytes, resyncs int64
		for _, s := range b.fleet.Sessions() {
			fulls += s.Fulls.Load()
			deltas += s.Deltas.Load()
			fullBytes += s.FullBytes.Load()
			deltaBytes += s.DeltaBytes.Load()
			resyncs += s.Resyncs.Load()
		}
		fmt.Printf("bytes: full push %d bytes per data plane (%d pushes), delta %d bytes per change per data plane (%d pushes, %d resyncs)\n",
			div(fullBytes, fulls), fulls, div(deltaBytes, deltas), deltas, resyncs)
	}
	if c.restart != "" {
		if err := b.storm(ctx, hash); err != nil {
			return err
		}
	}
	fmt.Printf("cluster: %d DPs, propagation p50 %.0f ms p99 %.0f ms, CP memory per DP %.0f KB\n", total, ms(p50), ms(p99), memPerDP)
	return nil
}

// storm restarts the control plane and measures how long the fleet takes
// to come back and run a change made right after the restart, and the
// Admin API's latency meanwhile.
func (b *bencher) storm(ctx context.Context, hash string) error {
	idle := b.adminLatencies(ctx, 20, 50*time.Millisecond)
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "sh", "-c", b.c.restart)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("restart command: %w", err)
	}
	for {
		if _, err := b.get(ctx, "/status"); err == nil {
			break
		}
		if time.Since(t0) > b.c.timeout {
			return errors.New("storm: the control plane's Admin API did not come back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	up := time.Since(t0)
	var during []time.Duration
	probeCtx, stopProbe := context.WithCancel(ctx)
	var probe sync.WaitGroup
	probe.Go(func() { during = b.adminLatencies(probeCtx, 1<<30, 100*time.Millisecond) })
	w0 := time.Now()
	err := b.addRoute(ctx, fmt.Sprintf("storm-%d", t0.UnixNano()))
	write := time.Since(w0)
	if err == nil {
		wait, cancel := context.WithTimeout(ctx, b.c.timeout)
		_, _, err = b.convergedTimes(wait, hash)
		cancel()
	}
	all := time.Since(t0)
	stopProbe()
	probe.Wait()
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	fmt.Printf("storm: CP restarted, Admin API up after %v; Admin write during the storm %v; every data plane reconnected and running the change %v after the restart\n",
		up.Round(time.Millisecond), write.Round(time.Millisecond), all.Round(time.Millisecond))
	fmt.Printf("storm: Admin GET /services p50 %.1f ms p99 %.1f ms max %.1f ms during the storm (%d requests), p50 %.1f ms p99 %.1f ms idle before\n",
		ms(pct(during, 50)), ms(pct(during, 99)), ms(pct(during, 100)), len(during), ms(pct(idle, 50)), ms(pct(idle, 99)))
	return nil
}

// adminLatencies times up to n GET /services, every gap, until ctx ends.
func (b *bencher) adminLatencies(ctx context.Context, n int, gap time.Duration) []time.Duration {
	var out []time.Duration
	for range n {
		t := time.Now()
		if _, err := b.get(ctx, "/services?size=1"); err == nil {
			out = append(out, time.Since(t))
		}
		select {
		case <-ctx.Done():
			return out
		case <-time.After(gap):
		}
	}
	return out
}

// converged waits until every data plane runs one configuration other than
// not and returns its hash.
func (b *bencher) converged(ctx context.Context, not string) (string, error) {
	h, _, err := b.convergedTimes(ctx, not)
	return h, err
}

// convergedTimes waits until every data plane runs the configuration the
// control plane serves, once it is not the one with hash not, and returns
// its hash and when each data plane was first seen running it.
func (b *bencher) convergedTimes(ctx context.Context, not string) (string, []time.Time, error) {
	realSeen := map[string]time.Time{}
	for {
		expected, simN, realRunning := "", 0, 0
		if b.c.real > 0 {
			var err error
			if expected, realRunning, err = b.realRows(ctx, realSeen, not); err != nil && ctx.Err() == nil {
				return "", nil, err
			}
		} else {
			// Without real data planes, the simulated ones say what runs:
			// polling a list of ten thousand rows would load the CP
			// being measured.
			expected = b.fleet.Uniform()
		}
		if b.fleet != nil {
			_, simN = b.fleet.Counts(expected)
		}
		if expected != "" && expected != not && len(realSeen) >= b.c.real && simN == b.c.n {
			times := make([]time.Time, 0, b.c.n+b.c.real)
			if b.fleet != nil {
				for _, s := range b.fleet.Sessions() {
					times = append(times, s.AppliedAt())
				}
			}
			for _, at := range realSeen {
				times = append(times, at)
			}
			return expected, times, nil
		}
		select {
		case <-ctx.Done():
			return "", nil, fmt.Errorf("not every data plane runs the configuration %.12s: %d of %d simulated, %d of %d real (%d listed connected): %w",
				expected, simN, b.c.n, len(realSeen), b.c.real, realRunning, ctx.Err())
		case <-time.After(b.c.poll):
		}
	}
}

// realRows reads GET /clustering/data-planes and records in seen, for every
// real data plane (not simulated) running the expected configuration,
// when it was first seen so; while the control plane still serves the
// configuration with hash not, nobody is. It returns the expected hash and
// how many real data planes are listed connected.
func (b *bencher) realRows(ctx context.Context, seen map[string]time.Time, not string) (string, int, error) {
	body, err := b.get(ctx, "/clustering/data-planes")
	if err != nil {
		return "", 0, err
	}
	var list struct {
		Data []struct {
			ID        string `json:"id"`
			Hash      string `json:"config_hash"`
			Expected  string `json:"expected_config_hash"`
			Connected bool   `json:"connected"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "", 0, fmt.Errorf("GET /clustering/data-planes: %w", err)
	}
	now := time.Now()
	expected, connected := "", 0
	for _, r := range list.Data {
		expected = r.Expected
		if strings.HasPrefix(r.ID, b.c.prefix+"-") || !r.Connected {
			continue
		}
		connected++
		if _, ok := seen[r.ID]; !ok && r.Hash == r.Expected && r.Hash != "" && r.Expected != not {
			seen[r.ID] = now
		}
	}
	return expected, connected, nil
}

// seed makes the benchmark's service and -seed routes (existing ones are
// kept).
func (b *bencher) seed(ctx context.Context) error {
	if err := b.ensureService(ctx); err != nil {
		return err
	}
	for i := range b.c.seed {
		if err := b.addRoute(ctx, fmt.Sprintf("seed-%d", i)); err != nil && !strings.Contains(err.Error(), ": 409 ") {
			return err
		}
	}
	return nil
}

func (b *bencher) ensureService(ctx context.Context) error {
	body := `{"name":"fleet-bench","host":"127.0.0.1","port":9}`
	code, resp, err := b.do(ctx, "PUT", "/services/fleet-bench", body)
	if err != nil {
		return err
	}
	if code/100 != 2 {
		return fmt.Errorf("PUT /services/fleet-bench: %d %s", code, resp)
	}
	return nil
}

func (b *bencher) addRoute(ctx context.Context, name string) error {
	body := fmt.Sprintf(`{"name":%q,"paths":["/%s"],"service":{"name":"fleet-bench"}}`, name, name)
	code, resp, err := b.do(ctx, "POST", "/routes", body)
	if err != nil {
		return err
	}
	if code != http.StatusCreated {
		return fmt.Errorf("POST /routes: %d %s", code, resp)
	}
	return nil
}

func (b *bencher) get(ctx context.Context, path string) ([]byte, error) {
	code, body, err := b.do(ctx, "GET", path, "")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	return body, nil
}

func (b *bencher) do(ctx context.Context, method, path, body string) (int, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(b.c.admin, "/")+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, bytes.TrimSpace(out), err
}

// rssKB reads VmRSS of the process whose pid is in file, 0 when unknown.
func rssKB(file string) int {
	pid, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	status, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// pct is the p-th percentile of ds (nearest rank), 0 when empty.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func div(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return a / b
}
