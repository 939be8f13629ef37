package pgtest

import (
	"context"
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
