package cp

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// BenchmarkBuildVersion10kRoutes measures what the control plane does once
// per configuration change for a 10,000-route configuration: export the
// store, hash, encode and compress the full payload, and index it for
// deltas. Every data plane then receives the same bytes.
func BenchmarkBuildVersion10kRoutes(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := &entity.Config{}
	for i := range 1000 {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		cfg.Services = append(cfg.Services, s)
	}
	for i := range 10000 {
		r := entity.NewRoute()
		r.ID, r.Paths = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), []string{fmt.Sprintf("/r%d", i)}
		r.Service = &entity.Ref{ID: cfg.Services[i%1000].ID}
		cfg.Routes = append(cfg.Routes, r)
	}
	if err := st.Import(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	defer codec.Close()
	for b.Loop() {
		// A fresh history each time, so every iteration builds a version.
		c := &ControlPlane{opts: Options{Store: st, MaxPayload: 16 << 20}, log: discard(), codec: codec, hist: &history{max: 16}}
		if _, err := c.build(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
