package cp

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// BenchmarkAdminWriteWhileDPRowsWritten measures what the data planes'
// bookkeeping costs the Admin API: a configuration write (one service
// inserted into SQLite) made while the rows of dps data planes that have
// just applied a version are written, one transaction per row (as before
// batching) or in batches (flush, as the control plane does). It reports
// the Admin write's latency and the transactions used for the rows.
func BenchmarkAdminWriteWhileDPRowsWritten(b *testing.B) {
	for _, dps := range []int{10, 100, 1000} {
		for _, mode := range []string{"per-row", "batched"} {
			b.Run(fmt.Sprintf("dps=%d/rows=%s", dps, mode), func(b *testing.B) {
				st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cp.db"), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				ds := st.(store.DataPlaneStore)
				c := &ControlPlane{opts: Options{Timing: Timing{}.withDefaults()}, log: slog.New(slog.DiscardHandler),
					dps: newRegistry(), hist: &history{max: 1}}
				ctx := context.Background()
				var total time.Duration
				txs := 0
				for i := range b.N {
					for d := range dps {
						c.dps.update(fmt.Sprintf("dp-%04d", d), func(dp *DataPlane) { dp.ConfigHash = fmt.Sprintf("h%d", i) })
					}
					var wg sync.WaitGroup
					wg.Go(func() {
						if mode == "batched" {
							txs += (dps + batchRows - 1) / batchRows
							c.flush(ctx, ds, true)
							return
						}
						for _, dp := range c.dps.due(time.Now(), c.opts.Timing.Write, true) {
							txs++
							if err := ds.UpsertDataPlane(ctx, toRow(&dp)); err != nil {
								b.Error(err)
							}
						}
					})
					time.Sleep(time.Millisecond) // the rows' writer is under way
					svc := entity.NewService()
					svc.Name, svc.Host = fmt.Sprintf("svc-%d", i), "127.0.0.1"
					t0 := time.Now()
					if err := st.Insert(ctx, svc); err != nil {
						b.Fatal(err)
					}
					total += time.Since(t0)
					wg.Wait()
				}
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "admin-write-ms")
				b.ReportMetric(float64(txs)/float64(b.N), "row-txs")
			})
		}
	}
}
