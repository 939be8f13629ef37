package yield

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// threadNice reads the calling thread's nice value from /proc.
func threadNice(t *testing.T) string {
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces, in parentheses).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	return f[16] // field 19 of proc(5): nice
}

// Apart runs its function on a thread of lower priority with a P of
// its own, restores GOMAXPROCS, hands back a panic, and leaves the
// caller's thread as it was. Not in parallel: it changes GOMAXPROCS and
// enables yielding for the process (and puts it back as it was).
func TestApartRunsOnALowPriorityThreadWithItsOwnP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer enabled.Store(enabled.Load())
	Enable()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	callerNice := threadNice(t)
	var nice string
	var procs int
	Apart(func() {
		runtime.LockOSThread() // already locked by Apart; read this thread's stat
		nice, procs = threadNice(t), runtime.GOMAXPROCS(0)
		var p Point
		spin(&p, 5*time.Millisecond)
		if p.yields != 0 {
			t.Errorf("a Point yielded %d times inside Apart, where it has a P of its own", p.yields)
		}
	})
	base, err := strconv.Atoi(callerNice)
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(min(base+Niceness, 19)); nice != want || procs != 2 {
		t.Fatalf("inside Apart: nice %s, GOMAXPROCS %d; want %s (the caller's %s + %d) and 2", nice, procs, want, callerNice, Niceness)
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("GOMAXPROCS after Apart is %d, want 1 again", got)
	}
	if got := threadNice(t); got != callerNice {
		t.Fatalf("the caller's thread went from nice %s to %s", callerNice, got)
	}
	func() {
		defer func() {
			if recover() != "boom" {
				t.Fatal("a panic inside Apart did not reach its caller")
			}
		}()
		Apart(func() { panic("boom") })
	}()

	// Every Apart runs on the same thread: none is made per call.
	tids := map[int]bool{}
	for range 3 {
		Apart(func() { tids[syscall.Gettid()] = true })
	}
	if len(tids) != 1 {
		t.Fatalf("three Aparts ran on %d threads, want one kept", len(tids))
	}
}

// TestPointInsideApartMakesWayForRequests: inside Apart, a Point waits
// while a request is being served, for at most MaxDefer each time (the
// loop below ends although the request never does), and not at all when
// none is; all the waits of one Apart stop once its budget is spent.
func TestPointInsideApartMakesWayForRequests(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer enabled.Store(enabled.Load())
	defer func(b time.Duration) { deferBudget = b }(deferBudget)
	deferBudget = time.Minute
	Enable()
	ticks := func() int {
		var p Point
		for range 10 * checkEvery {
			p.Tick()
		}
		return p.yields
	}
	var idle, serving int
	Apart(func() { idle = ticks() })
	Enter()
	Apart(func() { serving = ticks() })
	Leave()
	if idle != 0 || serving != 10 {
		t.Fatalf("Points inside Apart waited %d times with no request and %d times with one in flight; want 0 and 10", idle, serving)
	}

	// A request that never ends (a WebSocket, say): the waits stop at the
	// budget, however much work is left.
	deferBudget = 5 * time.Millisecond
	var long int
	Enter()
	Apart(func() {
		var p Point
		for range 1000 * checkEvery {
			p.Tick()
		}
		long = p.yields
	})
	Leave()
	if long < 1 || long > 6 {
		t.Fatalf("with a request in flight throughout, Points inside one Apart waited %d times; want 1 to 6 (a 5 ms budget, up to 1 ms a wait)", long)
	}
}
