package database

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// BenchmarkLoadOneChange10kRoutes measures what a control plane's
// provider does per Admin write on a store of 10,000 services and routes:
// "export" reads and checks everything, "changes" patches the last
// configuration with the change feed. Each iteration changes one route.
func BenchmarkLoadOneChange10kRoutes(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "gantry.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := &entity.Config{}
	for i := range 10000 {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		r := entity.NewRoute()
		r.ID, r.Name, r.Paths, r.Service = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), fmt.Sprintf("r%d", i), []string{fmt.Sprintf("/r%d", i)}, &entity.Ref{ID: s.ID}
		cfg.Services, cfg.Routes = append(cfg.Services, s), append(cfg.Routes, r)
	}
	ctx := context.Background()
	if err := st.Import(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"export", "changes"} {
		b.Run(mode, func(b *testing.B) {
			p := &Provider{Store: st, Stored: true, KeepEncodings: true}
			if _, err := p.load(ctx); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				r := *p.last.cfg.Routes[i%len(p.last.cfg.Routes)]
				r.Paths = []string{fmt.Sprintf("/changed%d", i)}
				if err := st.Update(ctx, &r); err != nil {
					b.Fatal(err)
				}
				i++
				if mode == "export" {
					p.last = nil
				}
				b.StartTimer()
				if _, err := p.load(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
