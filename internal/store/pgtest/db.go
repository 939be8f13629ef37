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
	s.mu.lock()
	s.dbs++
	name := fmt.Sprintf("gantry_test_%d", s.dbs)
	s.mu.unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
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

// Main starts a server, stores it in *srv, runs the package's tests and
// stops the server; use it as os.Exit(pgtest.Main(m, &srv)) in TestMain.
// Without PostgreSQL it prints how to install it and fails.
func Main(m *testing.M, srv **Server) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	return code
}
