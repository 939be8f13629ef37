package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestServer(t *testing.T) {
	s, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // after the database cleanup below
	db := s.NewDatabase(t)
	query := func() error {
		c, err := pgx.Connect(t.Context(), s.ConnString(db))
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		var one int
		return c.QueryRow(t.Context(), "SELECT 1").Scan(&one)
	}
	if err := query(); err != nil {
		t.Fatalf("query a new database: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := query(); err == nil {
		t.Fatal("query succeeded with the server stopped")
	}
	if err := s.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := query(); err != nil {
		t.Fatalf("query after restart: %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findBinIn(filepath.Join(t.TempDir(), "*", "bin"))
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
		t.Fatalf("without PostgreSQL: %v, want the command that installs it", err)
	}
}

func TestFindsNewestVersion(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9", "15", "13"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"postgres", "initdb"} {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBinIn(filepath.Join(root, "*", "bin"))
	if err != nil || got != filepath.Join(root, "15", "bin") {
		t.Fatalf("got %q, %v; want version 15", got, err)
	}
}
