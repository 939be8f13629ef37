package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// PaceAfter is how long to wait, after a build (or a whole apply) that took
// took, before starting the next one while changes keep coming: twice as
// long, at most 2 s. Config work then takes at most a third of the time,
// however fast changes arrive, and the requests served meanwhile keep
// close to idle latency (docs/design.md, "Pacing"; BENCHMARKS.md, "Hot path during config
// changes", has the measurements behind the factor). The wait follows the
// cost: a small config built in a millisecond waits two.
func PaceAfter(took time.Duration) time.Duration {
	return min(2*max(took, 0), 2*time.Second)
}

// Follow runs load and applies its result (sink.Reload) once for every
// signal on changed until ctx ends. Signals arriving while one is being handled coalesce into one more
// run (latest wins), which starts PaceAfter the last one's duration later,
// so a burst of changes costs a few builds, not one each, and requests keep
// their share of the CPU. A failed load or apply is logged with what
// describes the source; the running configuration keeps serving.
func Follow(ctx context.Context, changed <-chan struct{}, log *slog.Logger, source string,
	load func(context.Context) (Update, error), sink Sink) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		start := time.Now()
		if err := sink.Reload(ctx, load); err != nil && ctx.Err() == nil {
			log.Error(fmt.Sprintf("reload of %s failed, the previous configuration keeps serving: %v", source, err))
		}
		pause := time.NewTimer(PaceAfter(time.Since(start)))
		select {
		case <-ctx.Done():
			pause.Stop()
			return
		case <-pause.C:
		}
	}
}
