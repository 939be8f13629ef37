package postgres

import (
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// TestSNIOrderUnderLocaleCollation runs on a database whose default
// collation is a language's (as a database created with the server's
// locale often is), not byte order: a certificate's snis read back in
// Get and in the change feed are in the order a whole export sorts them,
// so a configuration patched from the feed equals the export.
func TestSNIOrderUnderLocaleCollation(t *testing.T) {
	t.Parallel()
	admin, err := pgx.Connect(t.Context(), srv.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(t.Context())
	const db = "gantry_icu_collation"
	if _, err := admin.Exec(t.Context(), "CREATE DATABASE "+db+" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"); err != nil {
		t.Fatalf("create a database collating by ICU en-US: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(t.Context(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") })
	cfg := configFor(srv, db)
	m, err := Migrations(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bootstrap(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	s := open(t, cfg)
	// Byte order puts '-' (0x2d) before '_' (0x5f); en-US the other way round.
	names := []string{"a_b.example.com", "a-b.example.com"}
	c := &entity.Certificate{Cert: "c", Key: "k", SNIs: names}
	if err := s.Insert(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(names))
	full, rev, err := s.(store.RevisionExporter).ExportRevision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := full.Certificates[0].SNIs; !slices.Equal(got, want) {
		t.Fatalf("export: snis %q, want %q", got, want)
	}
	got, err := s.Get(t.Context(), entity.KindCertificate, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sn := got.(*entity.Certificate).SNIs; !slices.Equal(sn, want) {
		t.Errorf("get: snis %q, want %q as the export has them", sn, want)
	}
	ch, err := s.(store.ChangeFeed).ChangesSince(t.Context(), rev-1, 100)
	if err != nil || !ch.Complete {
		t.Fatalf("changes: complete %v, error %v", ch.Complete, err)
	}
	if sn := ch.Entities[entity.KindCertificate][c.ID].(*entity.Certificate).SNIs; !slices.Equal(sn, want) {
		t.Errorf("change feed: snis %q, want %q as the export has them", sn, want)
	}
}
