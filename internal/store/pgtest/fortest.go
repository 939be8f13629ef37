package pgtest

import (
	"context"
	"testing"
	"time"
)

// ForTest starts a server for one test or benchmark and closes it when t
// ends. Start-up gets two minutes: initdb is slow on a loaded machine.
func ForTest(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
