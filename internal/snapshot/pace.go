package snapshot

import "time"

// PaceAfter is how long to wait, after a build (or a whole apply) that took
// took, before starting the next one while changes keep coming: twice as
// long, at most 2 s. Config work then takes at most a third of the time,
// however fast changes arrive, and the requests served meanwhile keep
// close to idle latency (docs/design.md, "Pacing";
// BENCHMARKS.md, "Hot path during config
// changes", has the measurements behind the factor). The wait follows the
// cost: a small config built in a millisecond waits two.
func PaceAfter(took time.Duration) time.Duration {
	return min(2*max(took, 0), 2*time.Second)
}
