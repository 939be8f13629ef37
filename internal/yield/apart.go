package yield

import (
	"runtime"
	"sync"
)

// Niceness is the scheduling priority (nice value) of the thread Apart runs
// config work on: a little below the proxy's, so the kernel lets the
// proxy's thread run first when both want the CPU. Not the lowest: at nice
// 19 the config thread, starved, held what requests wait for (the
// runtime's locks, a stop-the-world for the garbage collector) for tens of
// milliseconds (BENCHMARKS.md, "Reconfigure under load": p99 ratio 3.96,
// against 1.40 at nice 5 and 1.46 at nice 0).
const Niceness = 5

var apartMu sync.Mutex // one Apart at a time: the extra P is shared

// Apart runs f to completion on an OS thread of its own at a lower
// priority (Niceness), with one more P while it runs when the process has
// one (GOMAXPROCS=1): the config work then never holds the P that serves
// requests, and the kernel, not Go's scheduler, shares the CPU, giving the
// proxy's thread precedence. It is Kong's separate low-priority agent
// process inside one process, with no second copy of the configuration.
//
// Until Enable, or where threads have no priority of their own (outside
// Linux), f runs on the calling goroutine. With the extra P, Points do not
// yield: there is no need.
func Apart(f func()) {
	if !enabled.Load() || !threadPriority {
		f()
		return
	}
	apartMu.Lock()
	defer apartMu.Unlock()
	if runtime.GOMAXPROCS(0) == 1 {
		runtime.GOMAXPROCS(2)
		defer runtime.GOMAXPROCS(1)
	}
	done := make(chan any, 1)
	go func() {
		// The thread is never unlocked: the runtime ends it with this
		// goroutine, so its priority goes with it.
		runtime.LockOSThread()
		lowerThreadPriority(Niceness)
		defer func() { done <- recover() }()
		f()
	}()
	if p := <-done; p != nil {
		panic(p)
	}
}
