package cp

import (
	"testing"
	"time"
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
