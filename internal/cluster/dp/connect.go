package dp

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/gantryhq/gantry/internal/pipeline"
)

// Run keeps a stream open to a control plane until ctx ends, trying the
// cluster_control_plane addresses in turn with exponential backoff and
// jitter between failures. The configuration in service keeps serving
// whatever happens here. It implements pipeline.Provider: every push is
// applied through apply.
func (a *Agent) Run(ctx context.Context, sink pipeline.Sink) error {
	a.applyMu.Lock()
	a.apply = sink.Apply
	a.applyMu.Unlock()
	defer a.codec.Close()
	defer func() { _ = a.file.flush() }() // a stopping node writes its latest config cache (an error is logged)
	failures := 0
	for i := 0; ctx.Err() == nil; i++ {
		addr := a.opts.ControlPlanes[i%len(a.opts.ControlPlanes)]
		started := time.Now()
		err := a.session(ctx, addr)
		a.setStatus(func(s *Status) { s.Connected = false })
		if ctx.Err() != nil {
			return nil
		}
		if a.everConnected && a.lostAt.IsZero() {
			a.lostAt = time.Now()
		}
		if time.Since(started) > a.opts.Timing.Timeout {
			failures = 0 // the session was up for a while: start backing off afresh
		}
		wait := backoff(a.opts.Timing, failures)
		failures++
		a.setStatus(func(s *Status) { s.LastError = err.Error() })
		msg := "cluster connection lost or refused; serving the last configuration and retrying"
		if run := a.current(); run.cfg.IsZero() || run.cfg.Config().Empty() {
			msg = "cluster connection lost or refused; this data plane has no configuration yet (every request gets 404) and retries"
		}
		a.log.Warn(msg, "control_plane", addr, "error", err, "retry_in", wait.Round(time.Millisecond).String())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// backoff is min·2^n capped at max, with jitter: a random point in its
// upper half, so many DPs do not reconnect in lockstep.
func backoff(t Timing, n int) time.Duration {
	d := t.BackoffMin
	for range min(n, 30) {
		d *= 2
		if d >= t.BackoffMax {
			d = t.BackoffMax
			break
		}
	}
	return d/2 + rand.N(d/2+1)
}

// errRefused marks a control plane's explicit refusal.
var errRefused = errors.New("refused by the control plane")
