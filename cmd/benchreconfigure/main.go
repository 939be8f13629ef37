// Command benchreconfigure is the driver of `make bench-reconfigure`
// (scripts/bench-reconfigure.sh, BENCHMARKS.md): it sends proxied requests
// to a data plane at a fixed rate while, in alternating phases, it leaves
// the control plane alone ("idle") or changes one route through the Admin
// API once a second ("push"). It reports each phase's p99 and throughput,
// the medians of the per-round ratios push/idle, and draws the p99 over
// time (100 ms windows, push phases shaded) as an SVG.
//
// The load is open-loop: request i is due at start + i/rate whatever
// happened to the ones before, and its latency is measured from when it
// was due, so a stalled proxy shows as latency of every request that
// should have been sent meanwhile (no coordinated omission).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// options are the driver's flags.
type options struct {
	proxy, admin string        // host:port of the DP's proxy and the CP's Admin API
	routes       int           // routes named bench-0..N-1 with paths /r0../rN-1
	rate         int           // requests per second
	workers      int           // concurrent requests at most (connections)
	rounds       int           // idle+push pairs
	phase        time.Duration // length of each phase
	warmup       time.Duration // load before the first round, not counted
	every        time.Duration // one Admin change per this, in push phases
	settle       time.Duration // the start of an idle phase left out of its numbers
	svg          string        // where to write the plot ("" for none)
}

func main() {
	var o options
	flag.StringVar(&o.proxy, "proxy", "", "the data plane's proxy address (host:port)")
	flag.StringVar(&o.admin, "admin", "", "the control plane's Admin API address (host:port)")
	flag.IntVar(&o.routes, "routes", 10000, "routes bench-0..N-1 (paths /r0../rN-1) exist")
	flag.IntVar(&o.rate, "rate", 1000, "requests per second")
	flag.IntVar(&o.workers, "workers", 64, "concurrent requests at most")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of one idle and one push phase")
	flag.DurationVar(&o.phase, "phase", 10*time.Second, "length of a phase")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "load before the first round, not measured")
	flag.DurationVar(&o.every, "every", time.Second, "one Admin change per this during push phases")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "leave this much of the start of each idle phase out of its numbers (the last change may still be applying)")
	flag.StringVar(&o.svg, "svg", "", "write the latency-over-time plot here")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreconfigure:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreconfigure:", err)
		os.Exit(1)
	}
}

func (o options) check() error {
	switch {
	case o.proxy == "":
		return errors.New("-proxy is required")
	case o.admin == "":
		return errors.New("-admin is required")
	case o.routes < 1:
		return fmt.Errorf("-routes %d: need at least 1", o.routes)
	case o.rate < 1 || o.workers < 1 || o.rounds < 1:
		return errors.New("-rate, -workers and -rounds must be at least 1")
	case o.phase < time.Second || o.every <= 0:
		return fmt.Errorf("-phase %s must be at least 1s and -every positive", o.phase)
	case o.settle < 0 || o.settle >= o.phase:
		return fmt.Errorf("-settle %s must be at least 0 and shorter than -phase %s", o.settle, o.phase)
	}
	return nil
}

// sample is one request: when it was due (since the start of the load)
// and how long it took from then until its answer was read.
type sample struct {
	due, took time.Duration
	ok        bool
}

// phase is one measured interval.
type phase struct {
	push       bool
	start, end time.Duration // since the start of the load
	from       time.Duration // where its numbers start: start, or later for a settling idle phase
	changes    []time.Duration
}

// run drives the whole benchmark and writes its report to w.
func run(ctx context.Context, o options, w io.Writer) error {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConnsPerHost: o.workers + 8,
			MaxConnsPerHost:     o.workers + 8,
			DisableCompression:  true,
		},
	}
	defer client.CloseIdleConnections()
	if err := get(ctx, client, "http://"+o.proxy+"/r0"); err != nil {
		return fmt.Errorf("the proxy does not answer /r0: %w", err)
	}

	total := o.warmup + time.Duration(2*o.rounds)*o.phase
	phases := make([]phase, 0, 2*o.rounds)
	for i := range 2 * o.rounds {
		start := o.warmup + time.Duration(i)*o.phase
		p := phase{push: i%2 == 1, start: start, end: start + o.phase, from: start}
		if !p.push && i > 0 {
			p.from += o.settle // after a push phase
		}
		phases = append(phases, p)
	}
	fmt.Fprintf(w, "benchreconfigure: %d req/s for %s (%d rounds of %s idle + %s with one change per %s, after %s warm-up; idle numbers leave out the first %s after a push phase), %d routes\n",
		o.rate, total, o.rounds, o.phase, o.phase, o.every, o.warmup, o.settle, o.routes)

	samples, changes, err := load(ctx, o, client, phases, total)
	if err != nil {
		return err
	}
	for _, c := range changes {
		for i := range phases {
			if c.at >= phases[i].start && c.at < phases[i].end {
				phases[i].changes = append(phases[i].changes, c.at)
			}
		}
	}
	rep := report(o, phases, samples, changes)
	if o.svg != "" {
		if err := os.WriteFile(o.svg, []byte(plot(phases, samples, o)), 0o644); err != nil {
			return fmt.Errorf("write the plot: %w", err)
		}
		rep.lines = append(rep.lines, "plot: "+o.svg)
	}
	for _, l := range rep.lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "reconfigure: p99 ratio %.2f, throughput ratio %.2f\n", rep.p99Ratio, rep.tputRatio)
	return nil
}

// change is one Admin write: when it was sent and how long until the DP
// served it (0 when it did not within the probe's patience).
type change struct {
	at, propagated time.Duration
}

// load runs the open-loop load and, during push phases, the changes.
func load(ctx context.Context, o options, client *http.Client, phases []phase, total time.Duration) ([]sample, []change, error) {
	n := int(total.Seconds() * float64(o.rate))
	samples := make([]sample, n)
	interval := time.Second / time.Duration(o.rate)
	jobs := make(chan int, n)
	begin := time.Now()
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for i := range jobs {
				due := time.Duration(i) * interval
				err := get(ctx, client, fmt.Sprintf("http://%s/r%d", o.proxy, (i*7919)%o.routes))
				samples[i] = sample{due: due, took: time.Since(begin) - due, ok: err == nil}
			}
		})
	}
	var (
		changes []change
		cerr    error
		cwg     sync.WaitGroup
	)
	cwg.Go(func() { changes, cerr = changer(ctx, o, client, phases, begin) })
	// The dispatcher: every request due by now goes to the workers; a
	// full pool delays sending, not the due time.
	next := 0
	for next < n && ctx.Err() == nil {
		now := time.Since(begin)
		for next < n && time.Duration(next)*interval <= now {
			jobs <- next
			next++
		}
		time.Sleep(min(interval, 200*time.Microsecond))
	}
	close(jobs)
	wg.Wait()
	cwg.Wait()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	return samples[:next], changes, cerr
}

// changer makes one Admin change per o.every during the push phases:
// route bench-K gets a second path /c<seq>/ (the next change to it moves it);
// it then probes the proxy until the new path answers, to see the change
// applied (and how long that took).
func changer(ctx context.Context, o options, client *http.Client, phases []phase, begin time.Time) ([]change, error) {
	var out []change
	seq := 0
	for _, p := range phases {
		if !p.push {
			continue
		}
		for at := p.start; at < p.end; at += o.every {
			if d := at - time.Since(begin); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return out, nil
				}
			}
			k := (seq * 104729) % o.routes
			path := fmt.Sprintf("/c%d/", seq) // a trailing slash: /c1/ is no prefix of /c10/
			seq++
			body := fmt.Sprintf(`{"paths":["/r%d","%s"]}`, k, path)
			sent := time.Since(begin)
			if err := patch(ctx, client, fmt.Sprintf("http://%s/routes/bench-%d", o.admin, k), body); err != nil {
				return out, fmt.Errorf("change %d: %w", seq, err)
			}
			c := change{at: sent}
			deadline := min(o.every, p.end-at)
			for t0 := time.Now(); time.Since(t0) < deadline && ctx.Err() == nil; time.Sleep(10 * time.Millisecond) {
				if get(ctx, client, "http://"+o.proxy+path) == nil {
					c.propagated = time.Since(begin) - sent
					break
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// get fetches url and reads the whole body; a non-2xx answer is an error.
func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return do(client, req)
}

func patch(ctx context.Context, client *http.Client, url, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(client, req)
}

func do(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %.200s", req.Method, req.URL, resp.Status, b)
	}
	return nil
}

// result is the report: its lines and the medians.
type result struct {
	lines               []string
	p99Ratio, tputRatio float64
}

// stats is one phase's numbers.
type stats struct {
	p50, p99, max time.Duration
	tput          float64 // answered requests per second
	errors        int
}

func phaseStats(p phase, samples []sample) stats {
	var lat []time.Duration
	var st stats
	for _, s := range samples {
		if s.due < p.from || s.due >= p.end {
			continue
		}
		if !s.ok {
			st.errors++
			continue
		}
		lat = append(lat, s.took)
	}
	slices.Sort(lat)
	st.p50, st.p99 = quantile(lat, 0.50), quantile(lat, 0.99)
	if len(lat) > 0 {
		st.max = lat[len(lat)-1]
	}
	st.tput = float64(len(lat)) / (p.end - p.from).Seconds()
	return st
}

// quantile of sorted values (nearest rank); 0 for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func report(o options, phases []phase, samples []sample, changes []change) result {
	var r result
	r.lines = append(r.lines, fmt.Sprintf("%-6s %-5s %10s %10s %10s %10s %7s %8s", "round", "phase", "p50 ms", "p99 ms", "max ms", "req/s", "errors", "changes"))
	var p99s, tputs []float64
	for i := 0; i+1 < len(phases); i += 2 {
		idle, push := phaseStats(phases[i], samples), phaseStats(phases[i+1], samples)
		for _, x := range []struct {
			name string
			st   stats
			n    int
		}{{"idle", idle, len(phases[i].changes)}, {"push", push, len(phases[i+1].changes)}} {
			r.lines = append(r.lines, fmt.Sprintf("%-6d %-5s %10.3f %10.3f %10.3f %10.0f %7d %8d", i/2+1, x.name,
				ms(x.st.p50), ms(x.st.p99), ms(x.st.max), x.st.tput, x.st.errors, x.n))
		}
		if idle.p99 > 0 && idle.tput > 0 {
			p99s = append(p99s, float64(push.p99)/float64(idle.p99))
			tputs = append(tputs, push.tput/idle.tput)
		}
	}
	var props []time.Duration
	missed := 0
	for _, c := range changes {
		if c.propagated == 0 {
			missed++
			continue
		}
		props = append(props, c.propagated)
	}
	slices.Sort(props)
	r.lines = append(r.lines, fmt.Sprintf("changes: %d, Admin write to DP serving it: p50 %.0f ms, max %.0f ms, not seen within %s: %d",
		len(changes), ms(quantile(props, 0.5)), ms(quantile(props, 1)), o.every, missed))
	r.lines = append(r.lines, slowAfterChanges(phases, samples, changes)...)
	r.lines = append(r.lines, fmt.Sprintf("per-round p99 ratios %s, throughput ratios %s", fmtList(p99s), fmtList(tputs)))
	r.p99Ratio, r.tputRatio = median(p99s), median(tputs)
	return r
}

// slowAfterChanges says when the push phases' slow requests (slower than
// their round's idle p99) were due, relative to the last change before
// them: since its Admin write (the control plane's work) and since the
// data plane first served it (its apply ends about then). Requests slowed
// by the control plane cluster early after the write; by the data plane,
// around its serving.
func slowAfterChanges(phases []phase, samples []sample, changes []change) []string {
	bounds := []time.Duration{10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond}
	labels := []string{"<10", "10-25", "25-50", "50-100", "100-250", ">=250"}
	var sinceWrite, sinceServed, beforeServed [6]int
	bucket := func(d time.Duration) int {
		for i, b := range bounds {
			if d < b {
				return i
			}
		}
		return len(bounds)
	}
	for i := 0; i+1 < len(phases); i += 2 {
		limit := phaseStats(phases[i], samples).p99
		push := phases[i+1]
		for _, s := range samples {
			if s.due < push.from || s.due >= push.end || !s.ok || s.took <= limit {
				continue
			}
			j := sort.Search(len(changes), func(j int) bool { return changes[j].at > s.due }) - 1
			if j < 0 {
				continue
			}
			c := changes[j]
			sinceWrite[bucket(s.due-c.at)]++
			switch served := c.at + c.propagated; {
			case c.propagated == 0:
			case s.due < served:
				beforeServed[bucket(served-s.due)]++
			default:
				sinceServed[bucket(s.due-served)]++
			}
		}
	}
	list := func(counts [6]int) string {
		parts := make([]string, len(counts))
		for i, n := range counts {
			parts[i] = fmt.Sprintf("%s ms %d", labels[i], n)
		}
		return strings.Join(parts, ", ")
	}
	return []string{
		"slow requests in push phases (over their round's idle p99), by time since the last Admin write: " + list(sinceWrite),
		"  and since the DP served that change: " + list(sinceServed),
		"  and until the DP served it: " + list(beforeServed),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtList(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, " ")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
