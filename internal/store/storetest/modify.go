package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// testModify checks store.Modifier, PATCH's read-modify-write: concurrent
// changes of one entity all land, a failed change writes nothing, and the
// change reads other entities inside its own transaction (more concurrent
// changes than a pool has connections must not deadlock).
func testModify(t *testing.T, h Harness) {
	s := h.New(t)
	m, ok := s.(store.Modifier)
	if !ok {
		t.Skip("the store does not implement store.Modifier")
	}
	svc, other := service("m"), service("other")
	mustInsert(t, s, svc, other)
	created := createdAtOf(t, mustGet(t, s, entity.KindService, svc.ID))

	t.Run("concurrent changes all land", func(t *testing.T) {
		const n = 16
		errs := race(n, func(i int) error {
			_, err := m.Modify(ctx(t), entity.KindService, svc.ID, func(cur entity.Entity, tx store.Getter) (entity.Entity, error) {
				if _, err := tx.Get(ctx(t), entity.KindService, "other"); err != nil {
					return nil, err
				}
				c := cur.(*entity.Service)
				c.Tags = append(c.Tags, fmt.Sprintf("t%d", i))
				return c, nil
			})
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("modify: %v", err)
			}
		}
		got := mustGet(t, s, entity.KindService, svc.ID).(*entity.Service)
		if len(got.Tags) != n {
			t.Fatalf("tags after %d concurrent changes: %v, want all %d (an update was lost)", n, got.Tags, n)
		}
		if createdAtOf(t, got) != created {
			t.Fatalf("created_at changed from %d to %d", created, createdAtOf(t, got))
		}
	})
	t.Run("a failed change writes nothing", func(t *testing.T) {
		before := jsonOf(t, mustGet(t, s, entity.KindService, svc.ID))
		rev, _ := s.Revision(ctx(t))
		boom := errors.New("refused")
		_, err := m.Modify(ctx(t), entity.KindService, svc.ID, func(cur entity.Entity, _ store.Getter) (entity.Entity, error) {
			cur.(*entity.Service).Host = "changed.internal"
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("modify with a failing change: %v, want its error", err)
		}
		if after := jsonOf(t, mustGet(t, s, entity.KindService, svc.ID)); after != before {
			t.Fatalf("a failed change was written: %s", after)
		}
		if now, _ := s.Revision(ctx(t)); now != rev {
			t.Fatalf("revision moved from %d to %d on a failed change", rev, now)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "m"} {
			_, err := m.Modify(ctx(t), entity.KindService, id, func(entity.Entity, store.Getter) (entity.Entity, error) {
				t.Fatal("change called for a missing entity")
				return nil, nil
			})
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("modify %q: %v, want ErrNotFound", id, err)
			}
		}
	})
	t.Run("the id cannot change", func(t *testing.T) {
		_, err := m.Modify(ctx(t), entity.KindService, svc.ID, func(cur entity.Entity, _ store.Getter) (entity.Entity, error) {
			cur.SetID(other.ID)
			return cur, nil
		})
		if err == nil || mustGet(t, s, entity.KindService, "m").GetID() != svc.ID {
			t.Fatalf("modify that changes the id: %v, want a refusal", err)
		}
	})
}
