package cp

import "time"

// Pushes to one data plane are paced (docs/design.md, "Pacing"). A data plane applies one
// push at a time: the CP sends it nothing new until it has answered the
// last push, and then sends the latest version (the ones in between are
// skipped). On top of that the next push waits pipeline.PaceAfter of how
// long the data plane took to answer (twice that, at most 2 s), so config
// work takes at most a third of a data plane's time while changes stream
// in: building a 10,000-route snapshot allocates tens of MB, and
// back-to-back builds keep the garbage collector running next to proxied
// requests.

// pacedLocked reports how long the next push must still wait; s.mu is held.
func (s *stream) pacedLocked(now time.Time) time.Duration {
	return max(s.nextAt.Sub(now), 0)
}
