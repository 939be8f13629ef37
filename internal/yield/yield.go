// Package yield lets long config work (decoding, validating, digesting and
// building a configuration) give the processor to proxied requests every
// Slice of CPU, so that with GOMAXPROCS=1 a request waiting on the network
// runs within about Slice instead of after the runtime's 10 ms preemption
// (docs/design.md, "The hot path stays clear of config work").
//
// runtime.Gosched is not enough: it puts the goroutine on the global run
// queue, and the scheduler takes it from there again before it polls the
// network, so a request whose bytes have arrived still waits for sysmon's
// poll (every 10 ms). A short sleep parks the goroutine: the scheduler then
// polls the network and runs whatever is ready first. When nothing is, the
// sleep lasts about one millisecond (the network poller's resolution), so a
// build's wall time grows by up to about a millisecond per Slice of work
// (five times its CPU time at most); its CPU time does not grow.
//
// Yielding is off until Enable: a node that proxies (a data plane, a
// traditional node) turns it on at start; a control plane, which serves no
// proxied request, keeps its config work at full speed. With more than one
// P (GOMAXPROCS > 1) a Point never yields either: an idle P polls the
// network itself, so requests do not wait for the builder. Inside Apart,
// where config work has a P and a thread of its own, a Point instead makes
// way for the requests in flight (Enter, Leave): it waits, up to MaxDefer,
// until none is being served, so requests seldom share the core with
// config work at all.
package yield

import (
	"runtime"
	"sync/atomic"
	"time"
)

const (
	// Slice is how much work runs between two yields.
	Slice = 250 * time.Microsecond
	// Pause is the sleep of a yield: long enough that the timer has not
	// fired by the time the scheduler looks for work, so it polls the
	// network first.
	Pause = 20 * time.Microsecond
	// checkEvery is how many Ticks go by between two looks at the clock.
	checkEvery = 32
)

// last is when config work last yielded, on a monotonic clock (since
// epoch): one clock for every Point, so that work done in one loop counts
// towards the next loop's first yield.
var (
	epoch   = time.Now()
	last    atomic.Int64
	enabled atomic.Bool
)

// Enable turns yielding on for the process (see the package doc).
func Enable() { enabled.Store(true) }

func now() int64 { return int64(time.Since(epoch)) }

// Point yields once Slice has gone by since the last yield (of any Point)
// when its Tick is called. The zero value is ready; a Point belongs to one
// goroutine.
type Point struct {
	n      uint32
	on     int8 // 0: not known yet; 1: one P, yield; 2: inside Apart, make way for requests; -1: never
	yields int  // how many times it yielded, for tests
}

// Tick is called once per unit of work (an entity, a route); once Slice
// has gone by since the last yield it yields.
func (p *Point) Tick() {
	if p == nil {
		return
	}
	p.n++
	if p.n%checkEvery != 0 || p.on < 0 {
		return
	}
	if p.on == 0 {
		switch {
		case apartUntil.Load() != 0:
			p.on = 2
		case !enabled.Load() || runtime.GOMAXPROCS(0) > 1:
			p.on = -1
			return
		default:
			p.on = 1
		}
	}
	if p.on == 2 {
		p.defer1()
		return
	}
	if now()-last.Load() < int64(Slice) {
		return
	}
	time.Sleep(Pause)
	p.yields++
	last.Store(now())
}

// busy counts the requests being served (Enter, Leave).
var busy atomic.Int64

// Enter and Leave bracket a proxied request, so config work running
// Apart can make way for it (see defer1).
func Enter() { busy.Add(1) }

// Leave ends what Enter began.
func Leave() { busy.Add(-1) }

// MaxDefer bounds one wait of config work for the requests in flight.
const MaxDefer = time.Millisecond

// DeferBudget bounds all the waits of one Apart: a request in flight may
// not be using the CPU at all (a WebSocket, a slow upstream, a long
// download), and a change must still get through in bounded time.
const DeferBudget = 20 * time.Millisecond

// deferBudget is DeferBudget, which tests change.
var deferBudget = DeferBudget

// apartUntil is when the running Apart's budget for waiting runs out, on
// the clock of now; 0 when no Apart is running.
var apartUntil atomic.Int64

// defer1 waits, at most MaxDefer (and DeferBudget for the whole Apart),
// while requests are being served: config
// work running Apart at a lower priority still slowed requests that ran
// beside it (caches, memory bandwidth, the runtime's locks): p99 ratio
// 1.09-1.48 over nine runs without the wait, 1.13-1.26 over four with it
// and 1.15-1.29 over four with the budget (BENCHMARKS.md, "Reconfigure
// under load", runs 28-35).
func (p *Point) defer1() {
	if busy.Load() == 0 {
		return
	}
	until := min(now()+int64(MaxDefer), apartUntil.Load())
	waited := false
	for busy.Load() > 0 && now() < until {
		time.Sleep(Pause)
		waited = true
	}
	if waited {
		p.yields++
	}
}
