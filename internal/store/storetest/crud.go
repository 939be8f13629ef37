package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// retagged returns a copy of e whose tags are tags, as a client's PATCH would.
func retagged(t *testing.T, e entity.Entity, tags []string) entity.Entity {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(jsonOf(t, e)), &m); err != nil {
		t.Fatal(err)
	}
	m["tags"] = tags
	out := entity.New(e.EntityKind())
	if err := json.Unmarshal([]byte(jsonOf(t, m)), out); err != nil {
		t.Fatal(err)
	}
	return out
}

func createdAtOf(t *testing.T, e entity.Entity) int64 {
	var m struct {
		CreatedAt int64 `json:"created_at"`
		UpdatedAt int64 `json:"updated_at"`
	}
	if err := json.Unmarshal([]byte(jsonOf(t, e)), &m); err != nil {
		t.Fatal(err)
	}
	if m.CreatedAt == 0 || m.UpdatedAt < m.CreatedAt {
		t.Fatalf("%s timestamps created_at=%d updated_at=%d", e.EntityKind(), m.CreatedAt, m.UpdatedAt)
	}
	return m.CreatedAt
}

func testCRUD(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "crud")
	for _, e := range f.all() {
		t.Run(string(e.EntityKind()), func(t *testing.T) {
			if _, err := uuidOK(e.GetID()); err != nil {
				t.Fatalf("insert gave id %q: %v", e.GetID(), err)
			}
			got := mustGet(t, s, e.EntityKind(), e.GetID())
			if jsonOf(t, got) != jsonOf(t, e) {
				t.Fatalf("get after insert:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, e))
			}
			created := createdAtOf(t, got)

			upd := retagged(t, got, []string{"updated"})
			if err := s.Update(ctx(t), upd); err != nil {
				t.Fatalf("update: %v", err)
			}
			got = mustGet(t, s, e.EntityKind(), e.GetID())
			if !slices.Equal(got.GetTags(), []string{"updated"}) || createdAtOf(t, got) != created {
				t.Fatalf("after update: %s (created_at was %d)", jsonOf(t, got), created)
			}
			page, err := s.List(ctx(t), e.EntityKind(), store.ListOptions{})
			if err != nil || !slices.Contains(ids(page.Items), e.GetID()) {
				t.Fatalf("list: %v %v, want it to hold %s", ids(page.Items), err, e.GetID())
			}
		})
	}
	// Delete leaves first so nothing cascades or is refused.
	all := f.all()
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if err := s.Delete(ctx(t), e.EntityKind(), e.GetID()); err != nil {
			t.Fatalf("delete %s: %v", e.EntityKind(), err)
		}
		wantNotFound(t, s, e.EntityKind(), e.GetID())
	}
	for _, k := range entity.Kinds {
		if p, err := s.List(ctx(t), k, store.ListOptions{}); err != nil || len(p.Items) != 0 {
			t.Fatalf("list %s after deleting everything: %d items, %v", k, len(p.Items), err)
		}
	}
}

func testGetByKey(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "key")
	tests := []struct {
		name string
		kind entity.Kind
		key  string
		want entity.Entity
	}{
		{"service name", entity.KindService, f.Service.Name, f.Service},
		{"route name", entity.KindRoute, f.Route.Name, f.Route},
		{"upstream name", entity.KindUpstream, f.Upstream.Name, f.Upstream},
		{"target", entity.KindTarget, f.Target.Target, f.Target},
		{"consumer username", entity.KindConsumer, f.Consumer.Username, f.Consumer},
		{"consumer custom_id", entity.KindConsumer, f.Consumer.CustomID, f.Consumer},
		{"sni name", entity.KindSNI, f.SNI.Name, f.SNI},
		{"keyauth key", entity.KindKeyAuth, f.KeyAuth.Key, f.KeyAuth},
		{"basicauth username", entity.KindBasicAuth, f.BasicAuth.Username, f.BasicAuth},
		{"jwt key", entity.KindJWT, f.JWT.Key, f.JWT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustGet(t, s, tc.kind, tc.key)
			if got.GetID() != tc.want.GetID() {
				t.Fatalf("got id %s, want %s", got.GetID(), tc.want.GetID())
			}
		})
	}
	named := plugin("cors")
	named.InstanceName = "my-cors"
	mustInsert(t, s, named)
	if got := mustGet(t, s, entity.KindPlugin, "my-cors"); got.GetID() != named.ID {
		t.Fatalf("plugin by instance_name: got %s", got.GetID())
	}
}

func testNotFound(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "nf")
	missing := "9e7f2f4e-6c1e-4c31-9d4a-000000000000"
	tests := []struct {
		name string
		kind entity.Kind
		key  string
	}{
		{"unknown id", entity.KindService, missing},
		{"unknown name", entity.KindService, "nope"},
		{"kind without key", entity.KindCertificate, "cert-nf"},
		{"name of another kind", entity.KindRoute, f.Service.Name},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantNotFound(t, s, tc.kind, tc.key)
			if err := s.Delete(ctx(t), tc.kind, tc.key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("delete: %v, want ErrNotFound", err)
			}
		})
	}
	ghost := service("ghost")
	ghost.ID = missing
	if err := s.Update(ctx(t), ghost); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing service: %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, entity.KindService, "ghost")
}

func testUpsert(t *testing.T, h Harness) {
	s := h.New(t)
	svc := service("upserted", "a")
	svc.ID = "5b0c7a3e-8f5e-4a43-9d1b-6a1c1d2e3f40"
	svc.Path = "/v1"
	created, err := s.Upsert(ctx(t), svc)
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v, want created", created, err)
	}
	first := mustGet(t, s, entity.KindService, svc.ID)

	repl := service("upserted-renamed")
	repl.ID = svc.ID
	created, err = s.Upsert(ctx(t), repl)
	if err != nil || created {
		t.Fatalf("second upsert: created=%v err=%v, want replaced", created, err)
	}
	got := mustGet(t, s, entity.KindService, svc.ID).(*entity.Service)
	if got.Name != "upserted-renamed" || got.Path != "" || len(got.Tags) != 0 {
		t.Fatalf("replace kept old fields: %s", jsonOf(t, got))
	}
	if createdAtOf(t, got) != createdAtOf(t, first) {
		t.Fatalf("replace changed created_at")
	}
	wantNotFound(t, s, entity.KindService, "upserted")
	if p, _ := s.List(ctx(t), entity.KindService, store.ListOptions{Tags: []string{"a"}}); len(p.Items) != 0 {
		t.Fatalf("replaced tags still match: %v", ids(p.Items))
	}

	other := service("other")
	mustInsert(t, s, other)
	clash := service("upserted-renamed")
	clash.ID = other.ID
	var ue *store.UniqueError
	if _, err := s.Upsert(ctx(t), clash); !errors.As(err, &ue) || ue.Field != "name" {
		t.Fatalf("upsert onto a taken name: %v, want UniqueError on name", err)
	}
}

func testCertificateSNIs(t *testing.T, h Harness) {
	s := h.New(t)
	c := &entity.Certificate{Cert: "c", Key: "k", SNIs: []string{"b.example.com", "a.example.com"}}
	mustInsert(t, s, c)
	got := mustGet(t, s, entity.KindCertificate, c.ID).(*entity.Certificate)
	if !slices.Equal(got.SNIs, []string{"a.example.com", "b.example.com"}) {
		t.Fatalf("snis shorthand = %v", got.SNIs)
	}
	if sni := mustGet(t, s, entity.KindSNI, "a.example.com").(*entity.SNI); entity.RefID(sni.Certificate) != c.ID {
		t.Fatalf("sni a points at %v", sni.Certificate)
	}
	got.SNIs = []string{"b.example.com", "c.example.com"}
	if err := s.Update(ctx(t), got); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, entity.KindSNI, "a.example.com")
	mustGet(t, s, entity.KindSNI, "c.example.com")

	other := &entity.Certificate{Cert: "c2", Key: "k2", SNIs: []string{"c.example.com"}}
	var ue *store.UniqueError
	if err := s.Insert(ctx(t), other); !errors.As(err, &ue) || ue.Value != "c.example.com" {
		t.Fatalf("sni served by another certificate: %v, want UniqueError", err)
	}
	wantNotFound(t, s, entity.KindCertificate, other.ID)
}

func testBadInput(t *testing.T, h Harness) {
	s := h.New(t)
	var nilService *entity.Service
	for name, e := range map[string]entity.Entity{"nil": nil, "nil service": nilService} {
		if err := s.Insert(ctx(t), e); err == nil {
			t.Fatalf("insert %s: no error", name)
		}
		if _, err := s.Upsert(ctx(t), e); err == nil {
			t.Fatalf("upsert %s: no error", name)
		}
		if err := s.Update(ctx(t), e); err == nil {
			t.Fatalf("update %s: no error", name)
		}
	}
	if _, err := s.Get(ctx(t), "nonsense", "x"); err == nil {
		t.Fatal("get of an unknown kind: no error")
	}
	if _, err := s.List(ctx(t), "nonsense", store.ListOptions{}); err == nil {
		t.Fatal("list of an unknown kind: no error")
	}
}
