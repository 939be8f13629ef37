package backend

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

func TestOpenSQLite(t *testing.T) {
	cfg := Config{Database: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "sub", "gantry.db")}
	s, err := Open(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := entity.NewService()
	svc.Name, svc.Host = "a", "a.test"
	if err := s.Insert(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	s.Close()

	m, err := Migrations(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Bootstrap(t.Context()); !errors.Is(err, sqlstore.ErrAlreadyBootstrapped) {
		t.Fatalf("bootstrap of an opened file: %v, want ErrAlreadyBootstrapped", err)
	}
}

func TestUnknownDatabase(t *testing.T) {
	tests := []struct{ db, want string }{
		{"off", "keeps no database"},
		{"mysql", `"mysql"`},
	}
	for _, tc := range tests {
		t.Run(tc.db, func(t *testing.T) {
			_, err := Open(t.Context(), Config{Database: tc.db}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("open: %v, want it to say %q", err, tc.want)
			}
			if _, err := Migrations(t.Context(), Config{Database: tc.db}); err == nil {
				t.Fatal("migrations: no error")
			}
		})
	}
}
