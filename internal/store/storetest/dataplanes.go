package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/store"
)

// testDataPlanes checks the data-plane rows: a write replaces the row
// whole (keeping created_at), lists are sorted by id, purge removes only
// rows last seen before its cutoff, and none of it changes the revision a
// control plane pushes configuration on.
func testDataPlanes(t *testing.T, h Harness) {
	s := h.New(t)
	ds, ok := s.(store.DataPlaneStore)
	if !ok {
		t.Skipf("%T does not keep data-plane rows", s)
	}
	c := ctx(t)
	rev0, err := s.Revision(c)
	if err != nil {
		t.Fatal(err)
	}
	changes := s.Changes(c)
	now := time.Now().Unix()
	b := store.DataPlaneRow{ID: "dp-b", Hostname: "b.example", IP: "10.0.0.2", Version: "1.2.0", SyncStatus: "normal",
		ConfigHash: "h1", ConfigVersion: 3, Labels: map[string]string{"region": "eu"}, CertExpiry: now + 3600,
		Connected: true, LastSeen: now, CreatedAt: now - 10, UpdatedAt: now}
	old := store.DataPlaneRow{ID: "dp-a", Hostname: "a.example", SyncStatus: "unknown", LastSeen: now - 7200,
		CreatedAt: now - 7200, UpdatedAt: now - 7200}
	for _, r := range []store.DataPlaneRow{b, old} {
		if err := ds.UpsertDataPlane(c, r); err != nil {
			t.Fatalf("upsert %s: %v", r.ID, err)
		}
	}

	t.Run("replace", func(t *testing.T) {
		b2 := b
		b2.ConfigHash, b2.ConfigVersion, b2.Connected, b2.Labels = "h2", 4, false, nil
		b2.LastRejection = []byte(`{"version":4,"error":"bad"}`)
		b2.CreatedAt = now // ignored: the first write's stays
		if err := ds.UpsertDataPlane(c, b2); err != nil {
			t.Fatal(err)
		}
		rows := mustListDataPlanes(t, ds)
		if len(rows) != 2 || rows[0].ID != "dp-a" || rows[1].ID != "dp-b" {
			t.Fatalf("rows = %s, want dp-a then dp-b", jsonOf(t, rows))
		}
		got := rows[1]
		if got.ConfigHash != "h2" || got.ConfigVersion != 4 || got.Connected || got.CreatedAt != now-10 ||
			got.Hostname != "b.example" || got.CertExpiry != now+3600 || len(got.Labels) != 0 ||
			string(got.LastRejection) != `{"version":4,"error":"bad"}` {
			t.Fatalf("replaced row = %s", jsonOf(t, got))
		}
		if rows[0].LastRejection != nil || rows[0].Labels == nil {
			t.Fatalf("row without rejection or labels = %s, want null rejection and empty labels", jsonOf(t, rows[0]))
		}
	})

	t.Run("purge", func(t *testing.T) {
		n, err := ds.PurgeDataPlanes(c, time.Unix(now-3600, 0))
		if err != nil || n != 1 {
			t.Fatalf("purge = %d, %v; want the one row silent for two hours", n, err)
		}
		rows := mustListDataPlanes(t, ds)
		if len(rows) != 1 || rows[0].ID != "dp-b" {
			t.Fatalf("after purge: %s, want dp-b only", jsonOf(t, rows))
		}
		if n, err := ds.PurgeDataPlanes(c, time.Unix(now-3600, 0)); err != nil || n != 0 {
			t.Fatalf("second purge = %d, %v; want nothing", n, err)
		}
	})

	t.Run("batch", func(t *testing.T) {
		// A batch with a bad row writes nothing and names the row.
		bad := []store.DataPlaneRow{{ID: "dp-c", Labels: map[string]string{}, LastSeen: now}, {Labels: map[string]string{}}}
		if err := ds.UpsertDataPlanes(c, bad); err == nil || !strings.Contains(err.Error(), "row 1") {
			t.Fatalf("batch with an empty id: err = %v, want one naming row 1", err)
		}
		if rows := mustListDataPlanes(t, ds); len(rows) != 1 {
			t.Fatalf("after a refused batch: %s, want dp-b only", jsonOf(t, rows))
		}
		var batch []store.DataPlaneRow
		for _, id := range []string{"dp-d", "dp-b", "dp-c"} {
			batch = append(batch, store.DataPlaneRow{ID: id, Hostname: id + ".example", ConfigHash: "h3",
				Labels: map[string]string{}, LastSeen: now, CreatedAt: now, UpdatedAt: now})
		}
		if err := ds.UpsertDataPlanes(c, batch); err != nil {
			t.Fatal(err)
		}
		rows := mustListDataPlanes(t, ds)
		if len(rows) != 3 || rows[0].ID != "dp-b" || rows[1].ID != "dp-c" || rows[2].ID != "dp-d" {
			t.Fatalf("after batch: %s, want dp-b, dp-c, dp-d", jsonOf(t, rows))
		}
		for _, r := range rows {
			if r.ConfigHash != "h3" || r.Hostname != r.ID+".example" {
				t.Fatalf("batch row = %s", jsonOf(t, r))
			}
		}
		if rows[0].CreatedAt != now-10 {
			t.Fatalf("dp-b created_at = %d, want the first write's %d", rows[0].CreatedAt, now-10)
		}
	})

	t.Run("late write from another control plane", func(t *testing.T) {
		// The DP moved from CP 1 to CP 2, which recorded it connected;
		// CP 1 then records its disconnect, last seen earlier.
		moved := store.DataPlaneRow{ID: "dp-moved", Hostname: "m.example", Connected: true, ConfigHash: "h-new",
			Labels: map[string]string{}, LastSeen: now, CreatedAt: now - 60, UpdatedAt: now}
		late := moved
		late.Connected, late.ConfigHash, late.LastSeen, late.UpdatedAt = false, "h-old", now-30, now+1
		for _, r := range []store.DataPlaneRow{moved, late} {
			if err := ds.UpsertDataPlanes(c, []store.DataPlaneRow{r}); err != nil {
				t.Fatal(err)
			}
		}
		found := false
		for _, r := range mustListDataPlanes(t, ds) {
			if r.ID != "dp-moved" {
				continue
			}
			found = true
			if !r.Connected || r.ConfigHash != "h-new" || r.LastSeen != now {
				t.Fatalf("row after a late disconnect = %s, want the newer connection kept", jsonOf(t, r))
			}
		}
		if !found {
			t.Fatal("dp-moved is not listed")
		}
	})

	t.Run("revision unchanged", func(t *testing.T) {
		if rev, err := s.Revision(c); err != nil || rev != rev0 {
			t.Fatalf("revision = %d, %v; want %d: data-plane rows must not look like configuration", rev, err, rev0)
		}
		// A configuration write after them is the first change announced.
		mustInsert(t, s, service("after-data-planes"))
		select {
		case rev := <-changes:
			if rev != rev0+1 {
				t.Fatalf("first change = %d, want %d", rev, rev0+1)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no change announced after a service write")
		}
	})
}

func mustListDataPlanes(t *testing.T, ds store.DataPlaneStore) []store.DataPlaneRow {
	t.Helper()
	rows, err := ds.ListDataPlanes(ctx(t))
	if err != nil {
		t.Fatalf("list data planes: %v", err)
	}
	return rows
}
