package ratelimiting

import (
	"testing"
	"time"
)

func TestWindowStart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 15, 13, 45, 30, 500, time.FixedZone("X", 5*3600)) // 08:45:30 UTC
	tests := []struct {
		p    period
		want time.Time
	}{
		{second, time.Date(2026, 3, 15, 8, 45, 30, 0, time.UTC)},
		{minute, time.Date(2026, 3, 15, 8, 45, 0, 0, time.UTC)},
		{hour, time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)},
		{day, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{month, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{year, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.p.name(), func(t *testing.T) {
			if got := tt.p.start(now); got != tt.want.Unix() {
				t.Errorf("start = %v, want %v", time.Unix(got, 0).UTC(), tt.want)
			}
		})
	}
	if end := month.end(now); end != time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("month end = %v", time.Unix(end, 0).UTC())
	}
	if end := minute.end(now); end != time.Date(2026, 3, 15, 8, 46, 0, 0, time.UTC).Unix() {
		t.Errorf("minute end = %v", time.Unix(end, 0).UTC())
	}
	if limitHeaders[minute] != "X-Ratelimit-Limit-Minute" || remainingHeaders[year] != "X-Ratelimit-Remaining-Year" {
		t.Errorf("header names: %q %q", limitHeaders[minute], remainingHeaders[year])
	}
}

func TestLocalStoreNewWindowResets(t *testing.T) {
	t.Parallel()
	s := newLocalStore()
	lims := []limit{{period: minute, max: 1}}
	usage := make([]int64, 1)
	t0 := time.Date(2026, 1, 1, 0, 0, 59, 0, time.UTC)
	who := counterKey{ident: "x"}
	if !s.take(who, lims, t0, usage) || s.take(who, lims, t0, usage) {
		t.Fatal("the first request must pass and the second be limited")
	}
	if !s.take(who, lims, t0.Add(time.Second), usage) || usage[0] != 0 {
		t.Errorf("the next minute must start from zero, usage %d", usage[0])
	}
}
