package yield

import (
	"runtime"
	"sync"
)

// Niceness is how much lower than the calling thread's the scheduling
// priority (nice value) of the thread Apart runs config work on is: a
// little, so the kernel lets the proxy's thread run first when both want
// the CPU. Relative, not absolute: with the node started at nice -20, a
// config thread at an absolute 5 (25 levels down, a 265:1 weight) was
// starved and held what requests wait for (the runtime's locks, a garbage
// collection's stop-the-world) for milliseconds. Measured (BENCHMARKS.md,
// "Reconfigure under load", DP at nice -20): p99 ratio 1.40-1.49 with the
// thread 25 levels down and 3.96 at 39, 1.12-1.36 anywhere from 2 to 15
// levels down.
const Niceness = 5

var apartMu sync.Mutex // one Apart at a time: the extra P is shared

// apartThread is the goroutine, locked to an OS thread of lower priority,
// that runs what Apart is given. It lives as long as the process: a thread
// made and ended for every Apart took 3-4 % of a data plane's CPU per
// config push (clone, the runtime's thread start). Its priority is set
// once, relative to the thread that started it.
var apartThread struct {
	once sync.Once
	jobs chan func()
}

// Apart runs f to completion on an OS thread of its own at a lower
// priority (Niceness levels below the caller's), with one more P while it
// runs when the process has one (GOMAXPROCS=1): the config work then never holds the P that serves
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
	apartThread.once.Do(func() {
		apartThread.jobs = make(chan func())
		go func() {
			// Never unlocked: the thread keeps its priority and serves
			// nothing else.
			runtime.LockOSThread()
			lowerThreadPriority(Niceness)
			for job := range apartThread.jobs {
				job()
			}
		}()
	})
	done := make(chan any, 1)
	apartThread.jobs <- func() {
		defer func() { done <- recover() }()
		apartUntil.Store(now() + int64(deferBudget))
		defer apartUntil.Store(0)
		f()
	}
	if p := <-done; p != nil {
		panic(p)
	}
}
