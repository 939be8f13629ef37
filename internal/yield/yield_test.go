package yield

import (
	"runtime"
	"testing"
	"time"
)

// spin ticks p for d of CPU-bound work.
func spin(p *Point, d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
		for range 100 {
			p.Tick()
		}
	}
}

func TestPointYieldsOnlyWhenEnabledWithOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer enabled.Store(enabled.Load())
	enabled.Store(false)
	var off Point
	spin(&off, 20*time.Millisecond)
	if off.yields != 0 {
		t.Fatalf("before Enable a Point yielded %d times", off.yields)
	}
	Enable()
	var one Point
	spin(&one, 20*time.Millisecond)
	if one.yields == 0 {
		t.Fatalf("with GOMAXPROCS=1, 20 ms of ticks never yielded")
	}
	runtime.GOMAXPROCS(2)
	var two Point
	spin(&two, 20*time.Millisecond)
	if two.yields != 0 {
		t.Fatalf("with GOMAXPROCS=2 a Point yielded %d times; it must leave the work alone", two.yields)
	}
}
