package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
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
