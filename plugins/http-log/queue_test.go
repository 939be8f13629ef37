package httplog

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

func TestQueueSurvivesASenderPanic(t *testing.T) {
	t.Parallel()
	logs := &testutil.Buffer{}
	sent := make(chan string, 4)
	send := func(_ context.Context, batch [][]byte) error {
		if string(batch[0]) == "boom" {
			panic("sender bug")
		}
		sent <- string(batch[0])
		return nil
	}
	q := newQueue(Queue{MaxBatchSize: 1, MaxEntries: 10, MaxRetryTime: 1, InitialRetryDelay: 0.01, MaxRetryDelay: 0.01},
		slog.New(slog.NewTextHandler(logs, nil)), send, func() {})
	defer q.Close()
	q.add([]byte("boom"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "sender panicked") {
		if time.Now().After(deadline) {
			t.Fatalf("the panic was not logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	q.add([]byte("next"))
	select {
	case got := <-sent:
		if got != "next" {
			t.Errorf("sent %q, want next", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the queue sends nothing after a sender panic")
	}
}
