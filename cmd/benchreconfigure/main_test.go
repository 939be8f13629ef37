package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// gateway is a loopback stand-in for a DP and its CP's Admin API: it
// answers /r<N>, and after a PATCH of route bench-K with a path /c<seq>
// it answers that path too, as a data plane does once the change arrives.
type gateway struct {
	mu      sync.Mutex
	paths   map[string]bool
	patches int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/routes/bench-"):
		g.patches++
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		for _, p := range regexp.MustCompile(`"(/c\d+/)"`).FindAllStringSubmatch(buf.String(), -1) {
			g.paths[p[1]] = true
		}
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(r.URL.Path, "/r") || g.paths[r.URL.Path]:
		_, _ = w.Write([]byte("ok"))
	default:
		http.NotFound(w, r)
	}
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestRunReportsRoundsAndPlot drives a short run against a loopback
// server: every change is made and seen, each round is reported, the
// last line has the required form and the plot is an SVG with the push
// phases shaded.
func TestRunReportsRoundsAndPlot(t *testing.T) {
	g := &gateway{paths: map[string]bool{}}
	addr := serve(t, g)
	svg := filepath.Join(t.TempDir(), "plot.svg")
	o := options{proxy: addr, admin: addr, routes: 50, rate: 200, workers: 8, rounds: 2,
		phase: time.Second, warmup: 200 * time.Millisecond, every: 500 * time.Millisecond, settle: 200 * time.Millisecond, svg: svg}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^reconfigure: p99 ratio \d+\.\d\d, throughput ratio \d+\.\d\d$`).MatchString(last) {
		t.Errorf("last line %q does not have the required form", last)
	}
	if g.patches != 4 {
		t.Errorf("%d Admin changes, want 2 per push phase of 1s at one per 500ms (4)", g.patches)
	}
	if !strings.Contains(out.String(), "changes: 4,") || !strings.Contains(out.String(), "not seen within 500ms: 0") {
		t.Errorf("the report does not say all 4 changes were seen:\n%s", out.String())
	}
	rounds := 0
	for _, l := range lines {
		if regexp.MustCompile(`^[12] +(idle|push) `).MatchString(l) {
			rounds++
		}
	}
	if rounds != 4 {
		t.Errorf("%d phase lines, want 4:\n%s", rounds, out.String())
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("<svg")) || bytes.Count(b, []byte(`fill="#fde7c8"`)) != 2 || !bytes.Contains(b, []byte("<polyline")) {
		t.Errorf("the plot lacks the two shaded push phases or the series:\n%.500s", b)
	}
}

func TestRunRefusesAProxyThatDoesNotServe(t *testing.T) {
	addr := serve(t, http.NotFoundHandler())
	o := options{proxy: addr, admin: addr, routes: 1, rate: 10, workers: 1, rounds: 1, phase: time.Second, every: time.Second}
	err := run(context.Background(), o, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "does not answer /r0") {
		t.Fatalf("run against a proxy answering 404: %v, want an error naming /r0", err)
	}
}

func TestQuantileAndMedian(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if q := quantile(d, 0.99); q != 99 {
		t.Errorf("p99 of 1..100 = %d, want 99", q)
	}
	if q := quantile(d, 0.5); q != 50 {
		t.Errorf("p50 of 1..100 = %d, want 50", q)
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
}

// TestSlowAfterChanges: slow push-phase requests are counted by how long
// after the last change's Admin write, and after the DP served it, they
// were due; fast ones and idle-phase ones are not counted.
func TestSlowAfterChanges(t *testing.T) {
	ms := time.Millisecond
	phases := []phase{{start: 0, from: 0, end: 1000 * ms}, {push: true, start: 1000 * ms, from: 1000 * ms, end: 2000 * ms}}
	var samples []sample
	for i := range 100 { // idle: p99 is 1 ms
		samples = append(samples, sample{due: time.Duration(i) * 10 * ms, took: ms, ok: true})
	}
	changes := []change{{at: 1100 * ms, propagated: 40 * ms}}
	samples = append(samples,
		sample{due: 1105 * ms, took: 5 * ms, ok: true}, // 5 ms after the write, before the DP served it
		sample{due: 1145 * ms, took: 5 * ms, ok: true}, // 45 ms after it, 5 ms after serving
		sample{due: 1400 * ms, took: 5 * ms, ok: true}, // 300 ms after, 260 after serving
		sample{due: 1150 * ms, took: ms / 2, ok: true}, // fast: not counted
		sample{due: 1050 * ms, took: 5 * ms, ok: true}, // before any change: not counted
		sample{due: 500 * ms, took: 50 * ms, ok: true}) // idle phase: not counted
	got := strings.Join(slowAfterChanges(phases, samples, changes), "\n")
	for _, want := range []string{
		"by time since the last Admin write: <10 ms 1, 10-25 ms 0, 25-50 ms 1, 50-100 ms 0, 100-250 ms 0, >=250 ms 1",
		"since the DP served that change: <10 ms 1, 10-25 ms 0, 25-50 ms 0, 50-100 ms 0, 100-250 ms 0, >=250 ms 1",
		"until the DP served it: <10 ms 0, 10-25 ms 0, 25-50 ms 1, 50-100 ms 0, 100-250 ms 0, >=250 ms 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

// BenchmarkReconfigureShort runs `make bench-reconfigure` in its short mode
// (BENCH_SHORT=1: 1,000 routes, two rounds of 2 s phases) with real
// control-plane and data-plane processes, once per b.N: what CI runs with
// -benchtime=1x so the script does not rot. The numbers are in its log.
func BenchmarkReconfigureShort(b *testing.B) {
	for _, tool := range []string{"bash", "taskset", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not found", tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "bench-reconfigure.sh"))
		cmd.Env = append(os.Environ(), "BENCH_SHORT=1", "BENCH_SVG="+filepath.Join(b.TempDir(), "plot.svg"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("bench-reconfigure.sh: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "reconfigure: p99 ratio ") {
			b.Fatalf("last line %q is not the result:\n%s", last, out)
		}
		b.Log(lines[len(lines)-1])
	}
}
