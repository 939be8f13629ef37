package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// writeCDF writes an SVG plot of the distribution of ds (propagation
// times): for each time on the x axis, the share of data planes running
// the change by then.
func writeCDF(path, title string, ds []time.Duration) error {
	if len(ds) == 0 {
		return nil
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	const w, h, left, bottom, top, right = 640, 360, 60, 40, 30, 20
	maxMS := ms(s[len(s)-1]) * 1.05
	if maxMS <= 0 {
		maxMS = 1
	}
	x := func(v float64) float64 { return left + v/maxMS*(w-left-right) }
	y := func(f float64) float64 { return h - bottom - f*(h-bottom-top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="18">%s</text>`+"\n", left, escape(title))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="black"/>`+"\n", left, y(0), w-right, y(0))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="black"/>`+"\n", left, y(0), left, y(1))
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end">%d%%</text>`+"\n", left-6, y(f)+4, i*25)
		v := maxMS * f
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%.0f ms</text>`+"\n", x(v), h-bottom+16, v)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">Admin write → data plane running it</text>`+"\n", (w+left)/2, h-6)
	b.WriteString(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="`)
	step := max(1, len(s)/500)
	for i := 0; i < len(s); i += step {
		fmt.Fprintf(&b, "%.1f,%.1f ", x(ms(s[i])), y(float64(i+1)/float64(len(s))))
	}
	fmt.Fprintf(&b, "%.1f,%.1f\"/>\n</svg>\n", x(ms(s[len(s)-1])), y(1))
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
