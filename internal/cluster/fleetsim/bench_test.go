package fleetsim_test

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkCluster is make bench-cluster in small: a real control plane
// in process, 10 simulated data planes; each iteration publishes one more
// route and waits for every data plane to run it. It reports the
// propagation p50/p99 over all data planes and iterations, and the bytes
// of a full push and of a delta per data plane. make bench-cluster
// measures the real thing, with an Admin write and processes.
func BenchmarkCluster(b *testing.B) {
	const n = 10
	c, f, _ := convergedFleet(b, newStore(b), newCert(b), n)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		for _, at := range waitConverged(b, f, publish(b, c, i+1, int64(i+2))) {
			lat = append(lat, at.Sub(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1])/1e6, "p99-ms")
	var full, fulls, delta, deltas int64
	for _, s := range f.Sessions() {
		full, fulls = full+s.FullBytes.Load(), fulls+s.Fulls.Load()
		delta, deltas = delta+s.DeltaBytes.Load(), deltas+s.Deltas.Load()
	}
	if fulls != n || deltas != int64(n*b.N) {
		b.Fatalf("%d full pushes and %d deltas, want %d and %d", fulls, deltas, n, n*b.N)
	}
	b.ReportMetric(float64(full/fulls), "full-bytes/dp")
	b.ReportMetric(float64(delta/deltas), "delta-bytes/dp")
}
