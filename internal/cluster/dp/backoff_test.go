package dp

import (
	"testing"
	"time"
)

func TestBackoffGrowsWithJitterAndCaps(t *testing.T) {
	t.Parallel()
	tm := Timing{BackoffMin: time.Second, BackoffMax: 30 * time.Second}
	tests := []struct {
		failures int
		base     time.Duration
	}{
		{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {5, 30 * time.Second}, {100, 30 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := backoff(tm, tt.failures)
			if d < tt.base/2 || d > tt.base {
				t.Fatalf("after %d failures: %s, want within [%s, %s]", tt.failures, d, tt.base/2, tt.base)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("after %d failures: only %d distinct waits in 50: no jitter", tt.failures, len(seen))
		}
	}
}
