package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// window is the plot's resolution: one p99 per window of due times.
const window = 100 * time.Millisecond

// plot draws the p99 of each 100 ms window over time as an SVG: push
// phases shaded, each Admin change a tick at the top, the y axis
// logarithmic (idle latencies are a fraction of a millisecond, stalls
// tens of them).
func plot(phases []phase, samples []sample, o options) string {
	if len(phases) == 0 {
		return ""
	}
	t0, t1 := phases[0].start, phases[len(phases)-1].end
	nwin := int((t1 - t0 + window - 1) / window)
	buckets := make([][]time.Duration, nwin)
	for _, s := range samples {
		if s.due < t0 || s.due >= t1 || !s.ok {
			continue
		}
		i := int((s.due - t0) / window)
		buckets[i] = append(buckets[i], s.took)
	}
	p99 := make([]float64, nwin) // ms; 0 for an empty window
	lo, hi := math.Inf(1), 0.0
	for i, b := range buckets {
		if len(b) == 0 {
			continue
		}
		slices.Sort(b)
		p99[i] = ms(quantile(b, 0.99))
		lo, hi = math.Min(lo, p99[i]), math.Max(hi, p99[i])
	}
	if hi == 0 {
		lo, hi = 0.1, 1
	}
	// Decades from below the lowest to above the highest value.
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi <= dlo {
		dhi = dlo + 1
	}
	const (
		width, height          = 1200.0, 420.0
		left, right, top, bott = 70.0, 20.0, 40.0, 50.0
	)
	pw, ph := width-left-right, height-top-bott
	secs := (t1 - t0).Seconds()
	x := func(t time.Duration) float64 { return left + pw*(t-t0).Seconds()/secs }
	y := func(v float64) float64 { return top + ph*(1-(math.Log10(v)-dlo)/(dhi-dlo)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="20" font-size="14">Proxy p99 per %s window, %d req/s open-loop, %d routes; shaded: one Admin change per %s (ticks at top)</text>`+"\n",
		left, window, o.rate, o.routes, o.every)
	for _, p := range phases {
		if !p.push {
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="#fde7c8"/>`+"\n", x(p.start), top, x(p.end)-x(p.start), ph)
		for _, c := range p.changes {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#d97706"/>`+"\n", x(c), x(c), top, top+8)
		}
	}
	// Axes and grid: one line per decade, one tick per 10 s.
	for d := dlo; d <= dhi; d++ {
		v := math.Pow(10, d)
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, left+pw, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s ms</text>`+"\n", left-6, y(v)+4, fmtMS(v))
	}
	step := 10.0
	if secs <= 30 {
		step = 1
	}
	for s := 0.0; s <= secs; s += step {
		xx := left + pw*s/secs
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#999"/>`+"\n", xx, xx, top+ph, top+ph+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%.0f s</text>`+"\n", xx, top+ph+18, s)
	}
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#333"/>`+"\n", left, top, pw, ph)
	// The series: a polyline broken at empty windows.
	var pts []string
	flush := func() {
		if len(pts) > 0 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="#1d4ed8" stroke-width="1.2" points="%s"/>`+"\n", strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i, v := range p99 {
		if v <= 0 {
			flush()
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(t0+time.Duration(i)*window+window/2), y(v)))
	}
	flush()
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">time since the first round (s)</text>`+"\n", left+pw/2, height-8)
	b.WriteString("</svg>\n")
	return b.String()
}

func fmtMS(v float64) string {
	if v >= 1 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g", v)
}
