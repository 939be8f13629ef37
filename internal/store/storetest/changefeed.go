package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/provider/database"
	"github.com/gantryhq/gantry/internal/store"
)

// testChangeFeed is a differential test of store.ChangeFeed: after every
// step of a random sequence of writes (inserts, updates, upserts, deletes
// with their cascades, snis moving between certificates), the last
// configuration patched with the changes since its revision equals a whole
// export of the same revision, and entities the changes do not name keep
// their pointers.
func testChangeFeed(t *testing.T, h Harness) {
	s := h.New(t)
	feed, ok := s.(store.ChangeFeed)
	if !ok {
		t.Skip("the store has no change feed")
	}
	re := s.(store.RevisionExporter)
	seed(t, s, "base0")
	seed(t, s, "base1")
	base, rev, err := re.ExportRevision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 1))
	n := 2
	pick := func(list []entity.Entity) entity.Entity {
		if len(list) == 0 {
			return nil
		}
		return list[rng.IntN(len(list))]
	}
	for step := range 60 {
		var what string
		switch op := rng.IntN(9); op {
		case 0:
			seed(t, s, fmt.Sprintf("s%d", n))
			n++
			what = "seed a fixture"
		case 1: // update a service
			if e := pick(base.OfKind(entity.KindService)); e != nil {
				svc := *e.(*entity.Service)
				svc.Host = fmt.Sprintf("h%d.internal", step)
				if err := s.Update(ctx(t), &svc); err != nil {
					t.Fatal(err)
				}
			}
			what = "update a service"
		case 2: // delete a consumer: its credentials and plugins go too
			if e := pick(base.OfKind(entity.KindConsumer)); e != nil {
				if err := s.Delete(ctx(t), entity.KindConsumer, e.GetID()); err != nil {
					t.Fatal(err)
				}
			}
			what = "delete a consumer"
		case 3: // delete a route: its plugins go too
			if e := pick(base.OfKind(entity.KindRoute)); e != nil {
				if err := s.Delete(ctx(t), entity.KindRoute, e.GetID()); err != nil {
					t.Fatal(err)
				}
			}
			what = "delete a route"
		case 4: // delete an upstream: its targets go too
			if e := pick(base.OfKind(entity.KindUpstream)); e != nil {
				if err := s.Delete(ctx(t), entity.KindUpstream, e.GetID()); err != nil {
					t.Fatal(err)
				}
			}
			what = "delete an upstream"
		case 5: // add an sni to a certificate: the certificate's shorthand changes
			if e := pick(base.OfKind(entity.KindCertificate)); e != nil {
				mustInsert(t, s, &entity.SNI{Name: fmt.Sprintf("n%d.example.com", step), Certificate: ref(e)})
			}
			what = "add an sni"
		case 6: // delete an sni
			if e := pick(base.OfKind(entity.KindSNI)); e != nil {
				if err := s.Delete(ctx(t), entity.KindSNI, e.GetID()); err != nil {
					t.Fatal(err)
				}
			}
			what = "delete an sni"
		case 7: // delete a certificate no service uses: its snis go too
			for _, e := range base.OfKind(entity.KindService) {
				svc := *e.(*entity.Service)
				if svc.ClientCertificate != nil {
					svc.ClientCertificate = nil
					if err := s.Update(ctx(t), &svc); err != nil {
						t.Fatal(err)
					}
				}
			}
			if e := pick(base.OfKind(entity.KindCertificate)); e != nil {
				if err := s.Delete(ctx(t), entity.KindCertificate, e.GetID()); err != nil {
					t.Fatal(err)
				}
			}
			what = "delete a certificate"
		case 8: // upsert a route with new tags, and one that is new
			if e := pick(base.OfKind(entity.KindRoute)); e != nil {
				r := *e.(*entity.Route)
				r.Tags = []string{fmt.Sprintf("t%d", step)}
				if _, err := s.Upsert(ctx(t), &r); err != nil {
					t.Fatal(err)
				}
			}
			r := route(fmt.Sprintf("upserted%d", step), nil)
			if _, err := s.Upsert(ctx(t), r); err != nil {
				t.Fatal(err)
			}
			what = "upsert routes"
		}
		ch, err := feed.ChangesSince(ctx(t), rev, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Complete {
			t.Fatalf("step %d (%s): the change feed is not complete since revision %d", step, what, rev)
		}
		patched := database.Patch(base, ch)
		full, fullRev, err := re.ExportRevision(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if fullRev != ch.Revision {
			t.Fatalf("step %d (%s): changes bring revision %d, the store is at %d", step, what, ch.Revision, fullRev)
		}
		a, _ := json.Marshal(patched)
		b, _ := json.Marshal(full)
		if !bytes.Equal(a, b) {
			t.Fatalf("step %d (%s): patched config differs from the export\npatched: %s\nexport:  %s", step, what, a, b)
		}
		kept := map[entity.Entity]bool{}
		base.Each(func(e entity.Entity) { kept[e] = true })
		patched.Each(func(e entity.Entity) {
			if _, named := ch.Entities[e.EntityKind()][e.GetID()]; !named && !kept[e] {
				t.Fatalf("step %d (%s): %s %s is not named by the changes but is a new object", step, what, e.EntityKind(), e.GetID())
			}
		})
		base, rev = patched, ch.Revision
	}

	// A limit below the number of changes, or an import in between, makes
	// the feed incomplete: the reader exports everything.
	seed(t, s, "over")
	if ch, err := feed.ChangesSince(ctx(t), rev, 3); err != nil || ch.Complete {
		t.Fatalf("13 changes with a limit of 3: complete %v, error %v", ch.Complete, err)
	}
	imp := h.New(t)
	before, err := imp.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Import(ctx(t), base); err != nil {
		t.Fatal(err)
	}
	if ch, err := imp.(store.ChangeFeed).ChangesSince(ctx(t), before, 1<<20); err != nil || ch.Complete {
		t.Fatalf("changes across an import: complete %v, error %v", ch.Complete, err)
	}
	// After the import the feed records writes again.
	after, err := imp.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	svc := service("after-import")
	mustInsert(t, imp, svc)
	ch, err := imp.(store.ChangeFeed).ChangesSince(ctx(t), after, 10)
	if err != nil || !ch.Complete || ch.Len() != 1 || ch.Entities[entity.KindService][svc.ID] == nil {
		t.Fatalf("a write after an import: complete %v, %d changes, error %v", ch.Complete, ch.Len(), err)
	}
}
