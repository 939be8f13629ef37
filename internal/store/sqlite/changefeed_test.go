package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

// TestChangeFeedPruning: the feed keeps the last revisions only; a reader
// whose revision is older than what was pruned is told the feed is not
// complete (and exports everything), one within it gets every change.
// Not parallel: it shrinks the package's pruning bounds.
func TestChangeFeedPruning(t *testing.T) {
	defer sqlstore.SetChangesKept(8, 4)()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	feed := st.(store.ChangeFeed)
	write := func(i int) {
		s := entity.NewService()
		s.Name, s.Host = fmt.Sprintf("s%d", i), "127.0.0.1"
		if err := st.Insert(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		write(i)
	}
	rev, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := feed.ChangesSince(ctx, 2, 1000); err != nil || ch.Complete {
		t.Fatalf("since revision 2 of %d, keeping 8: complete %v, error %v", rev, ch.Complete, err)
	}
	ch, err := feed.ChangesSince(ctx, rev-4, 1000)
	if err != nil || !ch.Complete || ch.Len() != 4 {
		t.Fatalf("since revision %d of %d: complete %v, %d changes, error %v", rev-4, rev, ch.Complete, ch.Len(), err)
	}
}

// TestResetDatabaseStartsAboveTheOldRevisions: a database made again by
// `gantry migrations reset` counts its revisions on from above the old
// one's, and a reader of the old one is told to export everything, not
// handed the new database's latest writes as if they were all that changed.
func TestResetDatabaseStartsAboveTheOldRevisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gantry.db")
	old, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		s := entity.NewService()
		s.Name, s.Host = fmt.Sprintf("s%d", i), "127.0.0.1"
		if err := old.Insert(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	oldRev, err := old.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	time.Sleep(25 * time.Millisecond) // more milliseconds than writes
	m, err := sqlite.Migrations(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := entity.NewService()
	s.Name, s.Host = "after-reset", "127.0.0.1"
	if err := st.Insert(ctx, s); err != nil {
		t.Fatal(err)
	}
	rev, err := st.Revision(ctx)
	if err != nil || rev <= oldRev {
		t.Fatalf("revision after the reset %d (error %v), before it %d: a node following the old database would not hear of it", rev, err, oldRev)
	}
	if ch, err := st.(store.ChangeFeed).ChangesSince(ctx, oldRev, 1000); err != nil || ch.Complete {
		t.Fatalf("changes since the old database's revision: complete %v, error %v; want a whole export", ch.Complete, err)
	}
}
