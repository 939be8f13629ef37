package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// race runs fn(i) for i in [0, n) at once and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testConcurrentSameName(t *testing.T, h Harness) {
	s := h.New(t)
	errs := race(8, func(int) error { return s.Insert(ctx(t), service("contended")) })
	won := 0
	for _, err := range errs {
		var ue *store.UniqueError
		switch {
		case err == nil:
			won++
		case errors.As(err, &ue) && ue.Field == "name":
		default:
			t.Fatalf("insert: %v, want success or UniqueError", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d inserts of the same name succeeded, want exactly 1", won)
	}
	if got := listAll(t, s, entity.KindService, store.ListOptions{}); len(got) != 1 {
		t.Fatalf("%d services stored, want 1", len(got))
	}
}

func testConcurrentWriters(t *testing.T, h Harness) {
	s := h.New(t)
	up := upstream("busy")
	mustInsert(t, s, up)
	before, err := s.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	errs := race(n, func(i int) error {
		return s.Insert(ctx(t), target(up, fmt.Sprintf("10.0.0.%d:80", i)))
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	if got := listAll(t, s, entity.KindTarget, store.ListOptions{}); len(got) != n {
		t.Fatalf("%d targets stored, want %d: writes were lost", len(got), n)
	}
	after, err := s.Revision(ctx(t))
	if err != nil || after-before != n {
		t.Fatalf("revision went from %d to %d (%v), want +%d", before, after, err, n)
	}

	// Concurrent replaces of one entity: the last committed one is whole.
	errs = race(n, func(i int) error {
		u := upstream("busy")
		u.ID = up.ID
		u.Slots = 100 + i
		u.Tags = []string{fmt.Sprint(i)}
		_, err := s.Upsert(ctx(t), u)
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("upsert: %v", err)
		}
	}
	got := mustGet(t, s, entity.KindUpstream, up.ID).(*entity.Upstream)
	if len(got.Tags) != 1 || got.Tags[0] != fmt.Sprint(got.Slots-100) {
		t.Fatalf("upstream mixes two writes: slots %d, tags %v", got.Slots, got.Tags)
	}
	tagged := listAll(t, s, entity.KindUpstream, store.ListOptions{Tags: got.Tags})
	if len(tagged) != 1 {
		t.Fatalf("tag index disagrees with the entity: %d upstreams tagged %v", len(tagged), got.Tags)
	}
}
