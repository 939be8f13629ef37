package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

// MigrationHarness gives the migration tests a database without a schema.
type MigrationHarness struct {
	// New returns the migrator of a fresh database without Gantry's schema
	// and a function opening a Store on that database.
	New func(t *testing.T) (*sqlstore.Migrator, func() (store.Store, error))
	// OpenBootstraps says Open creates a missing schema itself (SQLite)
	// instead of refusing (PostgreSQL).
	OpenBootstraps bool
}

// RunMigrations checks bootstrap, up, list, reset and the schema check Open
// does, including an upgrade with a migration this binary does not have.
func RunMigrations(t *testing.T, h MigrationHarness) {
	m, open := h.New(t)
	c := ctx(t)

	st, err := m.List(c)
	if err != nil || len(st.Executed) != 0 || len(st.Pending) == 0 {
		t.Fatalf("fresh database: %+v, %v; want nothing executed, something pending", st, err)
	}
	if _, err := m.Up(c); !errors.Is(err, sqlstore.ErrNotBootstrapped) || !strings.Contains(err.Error(), "gantry migrations bootstrap") {
		t.Fatalf("up before bootstrap: %v", err)
	}
	if !h.OpenBootstraps {
		_, err := open()
		if !errors.Is(err, sqlstore.ErrNotBootstrapped) || !strings.Contains(err.Error(), "gantry migrations bootstrap") {
			t.Fatalf("open without a schema: %v, want a hint to run gantry migrations bootstrap", err)
		}
	}

	ran, err := m.Bootstrap(c)
	if err != nil || len(ran) != len(st.Pending) {
		t.Fatalf("bootstrap ran %d of %d: %v", len(ran), len(st.Pending), err)
	}
	if _, err := m.Bootstrap(c); !errors.Is(err, sqlstore.ErrAlreadyBootstrapped) {
		t.Fatalf("second bootstrap: %v, want ErrAlreadyBootstrapped", err)
	}
	if ran, err := m.Up(c); err != nil || len(ran) != 0 {
		t.Fatalf("up when current: ran %d, %v", len(ran), err)
	}
	if err := m.Check(c); err != nil {
		t.Fatalf("check after bootstrap: %v", err)
	}
	s, err := open()
	if err != nil {
		t.Fatalf("open after bootstrap: %v", err)
	}
	mustInsert(t, s, service("kept"))
	s.Close()

	newer := m.With(sqlstore.Migration{Version: 9000, Name: "newer", SQL: "CREATE TABLE gantry_test_newer (x INTEGER)"})
	err = newer.Check(c)
	if !errors.Is(err, sqlstore.ErrPending) || !strings.Contains(err.Error(), "gantry migrations up") {
		t.Fatalf("check with a pending migration: %v, want a hint to run gantry migrations up", err)
	}
	if ran, err := newer.Up(c); err != nil || len(ran) != 1 || ran[0].Version != 9000 {
		t.Fatalf("up: ran %+v, %v", ran, err)
	}
	if _, err := open(); !errors.Is(err, sqlstore.ErrNewerSchema) {
		t.Fatalf("open a schema newer than the binary: %v, want ErrNewerSchema", err)
	}
	s2 := newer // the upgraded binary sees its data
	if err := s2.Check(c); err != nil {
		t.Fatalf("check by the newer binary: %v", err)
	}

	if err := m.Reset(c); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if st, err := m.List(c); err != nil || len(st.Executed) != 0 {
		t.Fatalf("after reset: %+v, %v", st, err)
	}
	testOlderSchema(t, m, open)
	if h.OpenBootstraps {
		s, err := open()
		if err != nil {
			t.Fatalf("open after reset: %v", err)
		}
		defer s.Close()
		wantNotFound(t, s, entity.KindService, "kept")
	}
}

// testOlderSchema checks that a database an older gantry made (migration 1
// only) is refused with a hint to run `gantry migrations up`, and that up
// brings it to a schema Open accepts, with the data-plane table usable.
func testOlderSchema(t *testing.T, m *sqlstore.Migrator, open func() (store.Store, error)) {
	c := ctx(t)
	if ran, err := m.Upto(1).Bootstrap(c); err != nil || len(ran) != 1 {
		t.Fatalf("bootstrap at migration 1: ran %d, %v", len(ran), err)
	}
	_, err := open()
	if !errors.Is(err, sqlstore.ErrPending) || !strings.Contains(err.Error(), "gantry migrations up") ||
		!strings.Contains(err.Error(), "2_data_planes") {
		t.Fatalf("open at migration 1: %v, want a refusal naming gantry migrations up and 0002", err)
	}
	ran, err := m.Up(c)
	if err != nil || len(ran) == 0 || ran[0].Version != 2 {
		t.Fatalf("up from migration 1: ran %+v, %v; want 0002 first", ran, err)
	}
	s, err := open()
	if err != nil {
		t.Fatalf("open after up: %v", err)
	}
	defer s.Close()
	ds, ok := s.(store.DataPlaneStore)
	if !ok {
		t.Fatalf("%T does not keep data-plane rows", s)
	}
	if err := ds.UpsertDataPlane(c, store.DataPlaneRow{ID: "dp-after-up", Labels: map[string]string{}}); err != nil {
		t.Fatalf("write a data-plane row after up: %v", err)
	}
	s.Close()
	if err := m.Reset(c); err != nil {
		t.Fatalf("reset: %v", err)
	}
}
