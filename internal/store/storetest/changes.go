package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func testRevision(t *testing.T, h Harness) {
	s := h.New(t)
	rev := func() int64 {
		t.Helper()
		r, err := s.Revision(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r0 := rev()
	svc := service("rev")
	steps := []struct {
		name  string
		write func() error
		grows bool
	}{
		{"insert", func() error { return s.Insert(ctx(t), svc) }, true},
		{"update", func() error { return s.Update(ctx(t), svc) }, true},
		{"upsert", func() error { _, err := s.Upsert(ctx(t), svc); return err }, true},
		{"refused insert", func() error { return s.Insert(ctx(t), service("rev")) }, false},
		{"delete of a missing entity", func() error { return s.Delete(ctx(t), entity.KindRoute, "nope") }, false},
		{"delete", func() error { return s.Delete(ctx(t), entity.KindService, "rev") }, true},
	}
	want := r0
	for _, st := range steps {
		err := st.write()
		if st.grows {
			want++
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		} else if err == nil {
			t.Fatalf("%s: succeeded", st.name)
		}
		if got := rev(); got != want {
			t.Fatalf("after %s: revision %d, want %d", st.name, got, want)
		}
	}
}

// nextRevision waits for ch to deliver a revision of at least min.
func nextRevision(t *testing.T, ch <-chan int64, min int64) int64 {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatal("Changes closed early")
			}
			if r >= min {
				return r
			}
		case <-timeout:
			t.Fatalf("no revision >= %d within 10s", min)
		}
	}
}

func testChanges(t *testing.T, h Harness) {
	s := h.New(t)
	c, cancel := context.WithCancel(ctx(t))
	ch := s.Changes(c)
	mustInsert(t, s, service("c1"))
	r1, _ := s.Revision(ctx(t))
	if got := nextRevision(t, ch, r1); got != r1 {
		t.Fatalf("got revision %d, want %d", got, r1)
	}

	// A reader that does not keep up sees the latest revision, not a backlog.
	for _, n := range []string{"c2", "c3", "c4"} {
		mustInsert(t, s, service(n))
	}
	r4, _ := s.Revision(ctx(t))
	select {
	case got := <-ch:
		if got != r4 {
			t.Fatalf("slow reader got %d, want the latest %d", got, r4)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no revision delivered")
	}
	select {
	case got := <-ch:
		t.Fatalf("stale revision %d delivered after the latest", got)
	default:
	}

	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("value after cancel")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Changes not closed after its context ended")
	}
}

func testCrossNode(t *testing.T, h Harness) {
	if h.NewPair == nil {
		t.Skip("this store does not share its database between nodes")
	}
	a, b := h.NewPair(t)
	ch := b.Changes(ctx(t))
	svc := service("shared")
	mustInsert(t, a, svc)
	rev, err := a.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := nextRevision(t, ch, rev); got != rev {
		t.Fatalf("other node got revision %d, want %d", got, rev)
	}
	if got := mustGet(t, b, entity.KindService, "shared"); got.GetID() != svc.ID {
		t.Fatalf("other node reads %s", got.GetID())
	}
	if err := b.Insert(ctx(t), service("shared")); !isUnique(err) {
		t.Fatalf("other node inserted a duplicate name: %v", err)
	}

	// Both nodes race to create one name: exactly one wins.
	nodes := []store.Store{a, b}
	errs := race(8, func(i int) error { return nodes[i%2].Insert(ctx(t), service("raced")) })
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !isUnique(err):
			t.Fatalf("insert: %v, want success or UniqueError", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d nodes' inserts of one name succeeded, want exactly 1", won)
	}
}

func isUnique(err error) bool {
	var ue *store.UniqueError
	return errors.As(err, &ue)
}

func testOutage(t *testing.T, h Harness) {
	if h.NewOutage == nil {
		t.Skip("no way to take this store's database down")
	}
	s, other, stop, start := h.NewOutage(t)
	mustInsert(t, s, service("before"))
	ch := s.Changes(ctx(t))
	stop()
	calls := map[string]func() error{
		"get":    func() error { _, err := s.Get(ctx(t), entity.KindService, "before"); return err },
		"list":   func() error { _, err := s.List(ctx(t), entity.KindService, store.ListOptions{}); return err },
		"insert": func() error { return s.Insert(ctx(t), service("during")) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s with the database down: %v, want ErrUnavailable", name, err)
		}
	}
	start()
	waitUp(t, s)
	mustInsert(t, s, service("after"))
	rev, _ := s.Revision(ctx(t))
	nextRevision(t, ch, rev)
	wantNotFound(t, s, entity.KindService, "during")
	if other == nil {
		return
	}
	// The other node's write reaches s: its notifications reconnected.
	waitUp(t, other)
	mustInsert(t, other, service("from-other"))
	rev, _ = other.Revision(ctx(t))
	nextRevision(t, ch, rev)
}

// waitUp retries until s answers, failing on any error other than
// ErrUnavailable or after 20s.
func waitUp(t *testing.T, s store.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := s.Get(ctx(t), entity.KindService, "before")
		if err == nil {
			return
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("get after the database came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testClose(t *testing.T, h Harness) {
	s := h.New(t)
	ch := s.Changes(ctx(t))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("value after close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Changes not closed by Close")
	}
	if _, ok := <-s.Changes(ctx(t)); ok {
		t.Fatal("Changes after Close delivered a value")
	}
	// A closed store is unavailable (the Admin API answers 503), not broken (500).
	if err := s.Insert(ctx(t), service("late")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("insert into a closed store: %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(ctx(t), entity.KindService, "late"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("get from a closed store: %v, want ErrUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
