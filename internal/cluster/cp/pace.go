package cp

import "time"

// Pacing of pushes to one data plane (SPEC §8). A data plane applies one
// push at a time (the CP waits for its answer before sending another, and
// then sends the latest version: intermediate ones are skipped). On top of
// that the next push waits paceFactor times as long as the data plane took
// to answer the last one, so config work takes at most 1/(1+paceFactor) of
// a data plane's time while changes stream in: building a 10,000-route
// snapshot allocates tens of MB, and back-to-back builds keep the garbage
// collector running next to proxied requests. The wait follows the cost:
// a small config answered in a millisecond waits a millisecond, a huge one
// never more than maxPaceGap. BENCHMARKS.md ("Hot path during config
// changes") has the numbers behind the factor.
const (
	paceFactor = 2
	maxPaceGap = 2 * time.Second
)

// paceGap is how long to wait after an answer that took took.
func paceGap(took time.Duration) time.Duration {
	return min(paceFactor*took, maxPaceGap)
}

// pacedLocked reports how long the next push must still wait; s.mu is held.
func (s *stream) pacedLocked(now time.Time) time.Duration {
	return max(s.nextAt.Sub(now), 0)
}
