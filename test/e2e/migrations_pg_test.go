package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store/postgres"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// TestPostgresUpgradeFromMigration1 is an operator upgrading gantry over a
// PostgreSQL database an older gantry bootstrapped (migration 0001 only):
// start refuses naming `gantry migrations up`, list shows 0002 pending, up
// runs it, and start then serves, keeping the configuration written before.
func TestPostgresUpgradeFromMigration1(t *testing.T) {
	t.Parallel()
	srv, pg := startPG(t)
	hermeticConf := gantryproc.Hermetic(t)
	cli := func(args ...string) (int, string) {
		return gantryWith(t, gantryproc.Env(pg...), append(args, hermeticConf...)...)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := postgres.Migrations(postgres.Config{Host: srv.Host, Port: srv.Port, User: srv.User, Database: pgDatabase(pg)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if ran, err := m.Upto(1).Bootstrap(ctx); err != nil || len(ran) != 1 {
		t.Fatalf("bootstrap as an older gantry: ran %d, %v", len(ran), err)
	}
	// Configuration the older gantry held, which must survive the upgrade.
	// The store shares m's connections; m.Close releases them.
	old := entity.NewService()
	old.Name, old.Host = "before-upgrade", "127.0.0.1"
	if err := sqlstore.New(m.Driver(), nil).Insert(ctx, old); err != nil {
		t.Fatal(err)
	}

	startOut := func() (int, string) {
		return gantryWith(t, gantryproc.Env(append(pg, loopback...)...),
			append([]string{"start", "-p", filepath.Join(t.TempDir(), "p")}, hermeticConf...)...)
	}
	if code, out := startOut(); code == 0 || !strings.Contains(out, "gantry migrations up") || !strings.Contains(out, "data_planes") {
		t.Fatalf("start on a database at migration 1 = %d\n%s\nwant a refusal naming `gantry migrations up` and 0002", code, out)
	}
	steps := []struct {
		args     []string
		wantCode int
		want     []string
	}{
		{[]string{"migrations", "list"}, 5, []string{"0001_init", "pending:\n  0002_data_planes", "gantry migrations up"}},
		{[]string{"migrations", "up"}, 0, []string{"ran:\n  0002_data_planes"}},
		{[]string{"migrations", "list"}, 0, []string{"0002_data_planes", "pending: none"}},
		{[]string{"migrations", "up"}, 0, []string{"ran: none"}},
	}
	for _, st := range steps {
		code, out := cli(st.args...)
		for _, w := range st.want {
			if code != st.wantCode || !strings.Contains(out, w) {
				t.Fatalf("gantry %v = %d\n%s\nwant %d and %q", st.args, code, out, st.wantCode, w)
			}
		}
	}

	n := start(t, gantryproc.Env(append(pg, loopback...)...))
	mustAdmin(t, 201, "POST", n.AdminURL()+"/services", map[string]any{"name": "after-upgrade", "url": "http://127.0.0.1:9"})
	if got := mustAdmin(t, 200, "GET", n.AdminURL()+"/services", nil); !strings.Contains(got, `"before-upgrade"`) ||
		!strings.Contains(got, `"after-upgrade"`) {
		t.Fatalf("the upgraded node's services = %s, want the one from before the upgrade and the new one", got)
	}
}
