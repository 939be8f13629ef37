package pipeline_test

import (
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/pipeline"
)

func TestPaceAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		took, want time.Duration
	}{
		{"small config", time.Millisecond, 2 * time.Millisecond},
		{"10k routes", 150 * time.Millisecond, 300 * time.Millisecond},
		{"huge config is capped", 5 * time.Second, 2 * time.Second},
		{"clock step backwards", -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pipeline.PaceAfter(tt.took); got != tt.want {
				t.Fatalf("PaceAfter(%v) = %v, want %v", tt.took, got, tt.want)
			}
		})
	}
}
