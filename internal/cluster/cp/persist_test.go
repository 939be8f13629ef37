package cp

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// TestRowWritesCoalesce checks what reaches the database: a new row, a
// changed hash, status or connection at once; a heartbeat that only moves
// last_seen at most once per window.
func TestRowWritesCoalesce(t *testing.T) {
	t.Parallel()
	const window = 5 * time.Second
	r := newRegistry()
	t0 := time.Unix(1_000_000, 0)
	ids := func(rows []DataPlane) []string {
		var out []string
		for _, dp := range rows {
			out = append(out, dp.ID)
		}
		return out
	}
	steps := []struct {
		name   string
		change func()
		at     time.Duration
		want   int
	}{
		{"new row", func() { r.update("dp", func(dp *DataPlane) { dp.ConfigHash = "a" }) }, 0, 1},
		{"heartbeat within the window", func() { r.update("dp", func(dp *DataPlane) { dp.LastSeen++ }) }, time.Second, 0},
		{"hash changed", func() { r.update("dp", func(dp *DataPlane) { dp.ConfigHash = "b" }) }, 2 * time.Second, 1},
		{"status changed", func() { r.update("dp", func(dp *DataPlane) { dp.SyncStatus = StatusNormal }) }, 3 * time.Second, 1},
		{"connected", func() { r.connect("dp", 1) }, 3 * time.Second, 1},
		{"heartbeat still within", func() { r.update("dp", func(dp *DataPlane) { dp.LastSeen++ }) }, 4 * time.Second, 0},
		{"window passed", func() {}, 3*time.Second + window, 1},
		{"nothing changed", func() {}, 20 * time.Second, 0},
		{"disconnected", func() { r.connect("dp", -1) }, 20 * time.Second, 1},
	}
	for _, st := range steps {
		st.change()
		if got := r.due(t0.Add(st.at), window, false); len(got) != st.want {
			t.Fatalf("%s: wrote %v, want %d rows", st.name, ids(got), st.want)
		}
	}
	r.update("dp", func(dp *DataPlane) { dp.LastSeen++ })
	if got := r.due(t0.Add(21*time.Second), window, true); len(got) != 1 || got[0].Connected {
		t.Fatalf("shutdown flush wrote %+v, want the disconnected row", got)
	}
}

// countingStore is a real SQLite store that counts the transactions of
// data-plane rows.
type countingStore struct {
	store.DataPlaneStore
	batches atomic.Int64
	single  atomic.Int64
}

func (s *countingStore) UpsertDataPlane(ctx context.Context, row store.DataPlaneRow) error {
	s.single.Add(1)
	return s.DataPlaneStore.UpsertDataPlane(ctx, row)
}

func (s *countingStore) UpsertDataPlanes(ctx context.Context, rows []store.DataPlaneRow) error {
	s.batches.Add(1)
	return s.DataPlaneStore.UpsertDataPlanes(ctx, rows)
}

func newCountingStore(t *testing.T) *countingStore {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cp.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &countingStore{DataPlaneStore: st.(store.DataPlaneStore)}
}

// TestRowsWrittenInBatches checks that the status of many data planes
// reaches the database in a few transactions, each row in its latest
// state, and that the writer, however busy the fleet, writes at most one
// batch per Timing.Batch.
func TestRowsWrittenInBatches(t *testing.T) {
	t.Parallel()
	ds := newCountingStore(t)
	const n = 600
	c := &ControlPlane{opts: Options{Timing: Timing{Write: time.Hour, Batch: 50 * time.Millisecond}.withDefaults()},
		log: slog.New(slog.DiscardHandler), dps: newRegistry(), hist: &history{max: 1}}
	for round := range 3 {
		for i := range n {
			c.dps.update(fmt.Sprintf("dp-%04d", i), func(dp *DataPlane) {
				dp.ConfigHash, dp.LastSeen = fmt.Sprintf("hash-%d", round), time.Now().Unix()
			})
		}
	}
	c.flush(context.Background(), ds, false)
	if got, want := ds.batches.Load(), int64((n+batchRows-1)/batchRows); got != want || ds.single.Load() != 0 {
		t.Fatalf("%d rows written in %d batches and %d single writes, want %d batches", n, got, ds.single.Load(), want)
	}
	rows, err := ds.ListDataPlanes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("listed %d rows, want %d", len(rows), n)
	}
	for _, r := range rows {
		if r.ConfigHash != "hash-2" {
			t.Fatalf("row %s has hash %q, want the latest, hash-2", r.ID, r.ConfigHash)
		}
	}

	// The writer under a stream of changes: every change is written, in
	// few batches.
	ds.batches.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.writeLoop(ctx, ds) }()
	start := time.Now()
	for round := range 20 {
		for i := range n {
			c.dps.update(fmt.Sprintf("dp-%04d", i), func(dp *DataPlane) { dp.ConfigHash = fmt.Sprintf("again-%d", round) })
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	elapsed := time.Since(start)
	chunks := int64((n + batchRows - 1) / batchRows)
	if got, most := ds.batches.Load(), (int64(elapsed/c.opts.Timing.Batch)+2)*chunks; got > most {
		t.Fatalf("%d batches in %v, want at most %d (one per %v)", got, elapsed, most, c.opts.Timing.Batch)
	}
	rows, err = ds.ListDataPlanes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ConfigHash != "again-19" {
			t.Fatalf("row %s has hash %q after the writer stopped, want again-19", r.ID, r.ConfigHash)
		}
	}
}
