package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func testExportImport(t *testing.T, h Harness) {
	src := h.New(t)
	seed(t, src, "x")
	seed(t, src, "y")
	extra := service("tagged", "t1", "t2")
	mustInsert(t, src, extra)
	cfg, err := src.Export(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range entity.Kinds {
		var got []string
		cfg.Each(func(e entity.Entity) {
			if e.EntityKind() == k {
				got = append(got, e.GetID())
			}
		})
		if len(got) == 0 || !slices.IsSorted(got) {
			t.Fatalf("export of %s: ids %v, want some, sorted", k, got)
		}
	}
	if len(cfg.Certificates[0].SNIs) != 1 {
		t.Fatalf("exported certificate lacks its snis: %+v", cfg.Certificates[0])
	}
	want := jsonOf(t, cfg)

	dst := h.New(t)
	rev0, err := dst.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.Import(ctx(t), cfg); err != nil {
		t.Fatalf("import: %v", err)
	}
	again, err := dst.Export(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, again); got != want {
		t.Fatalf("export after import differs:\n got %s\nwant %s", got, want)
	}
	if again.Hash() != cfg.Hash() {
		t.Fatal("hash differs after the round trip")
	}
	if got := listAll(t, dst, entity.KindService, storeTags("t1", "t2")); len(got) != 1 || got[0].GetID() != extra.ID {
		t.Fatalf("imported tags are not searchable: %v", ids(got))
	}
	rev, err := dst.Revision(ctx(t))
	if err != nil || rev != rev0+1 {
		t.Fatalf("import moved the revision from %d to %d (%v), want one more: one transaction", rev0, rev, err)
	}
	if re, ok := dst.(store.RevisionExporter); ok {
		cfg, at, err := re.ExportRevision(ctx(t))
		if err != nil || at != rev || jsonOf(t, cfg) != want {
			t.Fatalf("ExportRevision: revision %d (want %d), same config %v, err %v", at, rev, jsonOf(t, cfg) == want, err)
		}
	}
}

func testImportNotEmpty(t *testing.T, h Harness) {
	s := h.New(t)
	mustInsert(t, s, service("present"))
	cfg := &entity.Config{Services: []*entity.Service{service("incoming")}}
	err := s.Import(ctx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("import into a non-empty database: %v", err)
	}
	wantNotFound(t, s, entity.KindService, "incoming")

	// A failing import leaves nothing behind.
	empty := h.New(t)
	bad := &entity.Config{
		Services: []*entity.Service{service("ok")},
		Routes:   []*entity.Route{{Name: "dangling", Service: &entity.Ref{ID: "0d7e4f52-3b7a-4a9e-8d3c-111111111111"}}},
	}
	var fe *store.ForeignKeyError
	if err := empty.Import(ctx(t), bad); !errors.As(err, &fe) || fe.Field != "service" {
		t.Fatalf("import with a dangling reference: %v, want ForeignKeyError on service", err)
	}
	wantNotFound(t, empty, entity.KindService, "ok")
}

func testImportChecks(t *testing.T, h Harness) {
	t.Run("duplicate name", func(t *testing.T) {
		s := h.New(t)
		cfg := &entity.Config{Services: []*entity.Service{service("dup"), service("dup")}}
		var ue *store.UniqueError
		if err := s.Import(ctx(t), cfg); !errors.As(err, &ue) || ue.Field != "name" || ue.Value != "dup" {
			t.Fatalf("import: %v, want UniqueError on name dup", err)
		}
		wantNotFound(t, s, entity.KindService, "dup")
	})
	t.Run("snis shorthand", func(t *testing.T) {
		s := h.New(t)
		c := &entity.Certificate{Cert: "c", Key: "k", SNIs: []string{"s.example", "t.example"}}
		listed := &entity.SNI{Name: "t.example", Certificate: &entity.Ref{ID: "4c1b3a52-0d47-4f59-9d43-1a2b3c4d5e6f"}}
		c.ID = listed.Certificate.ID
		cfg := &entity.Config{Certificates: []*entity.Certificate{c}, SNIs: []*entity.SNI{listed}}
		if err := s.Import(ctx(t), cfg); err != nil {
			t.Fatal(err)
		}
		got := mustGet(t, s, entity.KindCertificate, c.ID).(*entity.Certificate)
		if !slices.Equal(got.SNIs, []string{"s.example", "t.example"}) {
			t.Fatalf("snis %v", got.SNIs)
		}
		if mustGet(t, s, entity.KindSNI, "t.example").GetID() != listed.ID {
			t.Fatal("a listed sni was created twice")
		}
	})
}

// testImportProgress imports more rows than one batch and checks the
// progress a terminal would show: growing, ending at the total, which is
// every row written.
func testImportProgress(t *testing.T, h Harness) {
	s := h.New(t)
	pi, ok := s.(store.ProgressImporter)
	if !ok {
		t.Skip("the store does not report import progress")
	}
	cfg := &entity.Config{}
	for i := range 2500 {
		cfg.Services = append(cfg.Services, service(fmt.Sprintf("svc-%d", i)))
	}
	var seen [][2]int
	if err := pi.ImportProgress(ctx(t), cfg, func(done, total int) { seen = append(seen, [2]int{done, total}) }); err != nil {
		t.Fatalf("import: %v", err)
	}
	if len(seen) < 3 || seen[len(seen)-1] != [2]int{2500, 2500} {
		t.Fatalf("progress reports %v, want several, the last 2500 of 2500", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i][0] <= seen[i-1][0] {
			t.Fatalf("progress went backwards: %v", seen)
		}
	}
	if got := listAll(t, s, entity.KindService, store.ListOptions{Size: 1000}); len(got) != 2500 {
		t.Fatalf("%d services after the import, want 2500", len(got))
	}
}
