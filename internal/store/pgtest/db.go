package pgtest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// NewDatabase creates an empty database for t and drops it when t ends.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	return s.NewDatabaseFrom(t, "template1")
}

// NewDatabaseFrom creates a database for t as a copy of template (made by
// CreateTemplate) and drops it when t ends. Copying a prepared schema is
// much faster than creating it again in every test.
func (s *Server) NewDatabaseFrom(t testing.TB, template string) string {
	t.Helper()
	name := fmt.Sprintf("gantry_test_%d", s.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template+" STRATEGY FILE_COPY"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return name
}

// CreateTemplate creates database name and lets fill prepare it (fill must
// close its connections), for NewDatabaseFrom.
func (s *Server) CreateTemplate(ctx context.Context, name string, fill func(db string) error) error {
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("pgtest: create template %s: %w", name, err)
	}
	if err := fill(name); err != nil {
		return fmt.Errorf("pgtest: fill template %s: %w", name, err)
	}
	return nil
}

// Main starts a server, stores it in *srv, runs the package's tests and
// stops the server; use it as os.Exit(pgtest.Main(m, &srv)) in TestMain.
// Without PostgreSQL it prints how to install it and fails.
// setup, if given, runs once the server is up (to CreateTemplate, say).
func Main(m *testing.M, srv **Server, setup ...func(*Server) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	for _, fn := range setup {
		if err := fn(s); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			s.Close()
			return 1
		}
	}
	*srv = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	return code
}
