package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// startPG starts a real PostgreSQL server for one test and returns it with
// the GANTRY_* settings that point a node at a new, empty database on it.
func startPG(t *testing.T) (*pgtest.Server, []string) {
	t.Helper()
	srv := pgtest.ForTest(t)
	db := srv.NewDatabase(t)
	return srv, []string{"GANTRY_DATABASE=postgres", "GANTRY_PG_HOST=" + srv.Host, "GANTRY_PG_PORT=" + strconv.Itoa(srv.Port),
		"GANTRY_PG_USER=" + srv.User, "GANTRY_PG_DATABASE=" + db}
}

// TestPostgresTraditional walks a PostgreSQL deployment the way an operator
// does: start refuses the empty database naming the command to run,
// migrations bootstrap|list|up, two nodes sharing the database see each
// other's Admin API writes in their proxies, and db_export → db_import into
// an empty database → db_export gives the same file.
func TestPostgresTraditional(t *testing.T) {
	t.Parallel()
	srv, pg := startPG(t)
	hermeticConf := gantryproc.Hermetic(t)
	cli := func(args ...string) (int, string) {
		return gantryWith(t, gantryproc.Env(pg...), append(args, hermeticConf...)...)
	}

	t.Run("start refuses a database without schema", func(t *testing.T) {
		code, out := gantryWith(t, gantryproc.Env(append(pg, loopback...)...), append([]string{"start", "-p", filepath.Join(t.TempDir(), "p")}, hermeticConf...)...)
		if code == 0 || !strings.Contains(out, "gantry migrations bootstrap") {
			t.Fatalf("start on an empty PostgreSQL database = %d\n%s\nwant a refusal naming `gantry migrations bootstrap`", code, out)
		}
	})
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"migrations", "list"}, 3, "gantry migrations bootstrap"},
		{[]string{"migrations", "bootstrap"}, 0, "bootstrapped, ran:"},
		{[]string{"migrations", "bootstrap"}, 1, "already"},
		{[]string{"migrations", "list"}, 0, "pending: none"},
		{[]string{"migrations", "up"}, 0, "ran: none"},
	}
	for _, st := range steps {
		if code, out := cli(st.args...); code != st.wantCode || !strings.Contains(out, st.want) {
			t.Fatalf("gantry %v = %d\n%s\nwant %d and %q", st.args, code, out, st.wantCode, st.want)
		}
	}

	t.Run("start refuses a schema newer than the binary", func(t *testing.T) {
		// As if a newer gantry had migrated the shared database.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, srv.ConnString(pgDatabase(pg)))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		exec := func(sql string) {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatal(err)
			}
		}
		exec("INSERT INTO gantry_schema_migrations (version, name, executed_at) VALUES (9999, 'from_the_future', 0)")
		defer exec("DELETE FROM gantry_schema_migrations WHERE version = 9999")
		code, out := gantryWith(t, gantryproc.Env(append(pg, loopback...)...), append([]string{"start", "-p", filepath.Join(t.TempDir(), "p")}, hermeticConf...)...)
		if code == 0 || !strings.Contains(out, "upgrade gantry") {
			t.Fatalf("start on a newer schema = %d\n%s\nwant a refusal saying to upgrade gantry", code, out)
		}
	})

	t.Run("two nodes share one database", func(t *testing.T) {
		a, b := newUpstream(t, "upstream A", 0), newUpstream(t, "upstream B", 0)
		nodeA := start(t, gantryproc.Env(append(pg, loopback...)...))
		nodeB := start(t, gantryproc.Env(append(pg, loopback...)...))

		mustAdmin(t, 201, "POST", nodeA.AdminURL()+"/services", map[string]any{"name": "shared", "url": a.URL})
		mustAdmin(t, 201, "POST", nodeA.AdminURL()+"/services/shared/routes", map[string]any{"name": "shared", "paths": []string{"/shared"}})
		testutil.Eventually(t, "node B to proxy the route created on node A", 10*time.Second, func() bool {
			code, body := get(nodeB.ProxyURL() + "/shared")
			return code == 200 && body == "upstream A"
		})
		mustAdmin(t, 200, "PATCH", nodeB.AdminURL()+"/services/shared", map[string]any{"url": b.URL})
		testutil.Eventually(t, "node A to proxy to the upstream node B set", 10*time.Second, func() bool {
			code, body := get(nodeA.ProxyURL() + "/shared")
			return code == 200 && body == "upstream B"
		})
		mustAdmin(t, 204, "DELETE", nodeA.AdminURL()+"/routes/shared", nil)
		testutil.Eventually(t, "node B to stop proxying the route deleted on node A", 10*time.Second, func() bool {
			code, _ := get(nodeB.ProxyURL() + "/shared")
			return code == 404
		})
		// Both nodes race to create the same name: exactly one wins, the
		// others get Kong's 409, and one service exists.
		codes := make(chan int, 8)
		for i := range 8 {
			n := []*node{nodeA, nodeB}[i%2]
			go func() { // no t.Fatal off the test goroutine: a transport error is code 0
				resp, err := http.Post(n.AdminURL()+"/services", "application/json", strings.NewReader(`{"name":"contended","url":"`+a.URL+`"}`))
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		won := 0
		for range 8 {
			switch code := <-codes; code {
			case 201:
				won++
			case 409:
			default:
				t.Errorf("concurrent POST of one name answered %d, want 201 or 409", code)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent creates of one name succeeded across two nodes, want exactly 1", won)
		}
		mustAdmin(t, 204, "DELETE", nodeA.AdminURL()+"/services/contended", nil)

		// Both nodes PATCH different fields of one service at once: every
		// change lands, none reverts another.
		fields := []string{"retries", "connect_timeout", "read_timeout", "write_timeout"}
		done := make(chan int, len(fields))
		for i, f := range fields {
			n := []*node{nodeA, nodeB}[i%2]
			go func() {
				req, _ := http.NewRequest("PATCH", n.AdminURL()+"/services/shared", strings.NewReader(fmt.Sprintf(`{%q:%d}`, f, 1000+i)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					done <- 0
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}()
		}
		for range fields {
			if code := <-done; code != 200 {
				t.Fatalf("concurrent PATCH = %d, want 200", code)
			}
		}
		got := mustAdmin(t, 200, "GET", nodeB.AdminURL()+"/services/shared", nil)
		for i, f := range fields {
			if want := fmt.Sprintf(`"%s":%d`, f, 1000+i); !strings.Contains(got, want) {
				t.Fatalf("after concurrent PATCHes on two nodes the service is %s, want %s (an update was lost)", got, want)
			}
		}
		// Put it back for the export below.
		mustAdmin(t, 201, "POST", nodeB.AdminURL()+"/services/shared/routes", map[string]any{"name": "shared", "paths": []string{"/shared"}, "tags": []string{"team-a"}})
		mustAdmin(t, 201, "POST", nodeB.AdminURL()+"/consumers", map[string]any{"username": "alice", "custom_id": "a-1"})
		mustAdmin(t, 201, "POST", nodeB.AdminURL()+"/upstreams", map[string]any{"name": "pool"})
		mustAdmin(t, 201, "POST", nodeB.AdminURL()+"/upstreams/pool/targets", map[string]any{"target": "127.0.0.1:9", "weight": 10})
		mustAdmin(t, 201, "POST", nodeB.AdminURL()+"/plugins", map[string]any{"name": "correlation-id"})
	})

	t.Run("db_export then db_import into an empty database exports the same file", func(t *testing.T) {
		dir := t.TempDir()
		first, second := filepath.Join(dir, "first.yaml"), filepath.Join(dir, "second.yaml")
		if code, out := cli("config", "db_export", first); code != 0 || !strings.Contains(out, "exported") {
			t.Fatalf("db_export = %d %s", code, out)
		}
		empty := srv.NewDatabase(t)
		into := gantryproc.Env(append(pg, "GANTRY_PG_DATABASE="+empty)...)
		for _, args := range [][]string{{"migrations", "bootstrap"}, {"config", "db_import", first}, {"config", "db_export", second}} {
			if code, out := gantryWith(t, into, append(args, hermeticConf...)...); code != 0 {
				t.Fatalf("gantry %v on the empty database = %d %s", args, code, out)
			}
		}
		sameFile(t, first, second)
	})

	t.Run("migrations reset", func(t *testing.T) {
		for _, st := range []struct {
			args     []string
			wantCode int
			want     string
		}{
			{[]string{"migrations", "reset"}, 1, "--yes"},
			{[]string{"migrations", "reset", "--yes"}, 0, "database reset"},
			{[]string{"migrations", "list"}, 3, "gantry migrations bootstrap"},
			{[]string{"migrations", "bootstrap"}, 0, "bootstrapped"},
		} {
			if code, out := cli(st.args...); code != st.wantCode || !strings.Contains(out, st.want) {
				t.Fatalf("gantry %v = %d\n%s\nwant %d and %q", st.args, code, out, st.wantCode, st.want)
			}
		}
		dir := t.TempDir()
		if code, out := cli("config", "db_export", filepath.Join(dir, "after-reset.yaml")); code != 0 || !strings.Contains(out, "exported 0 entities") {
			t.Fatalf("db_export after reset and bootstrap = %d %s, want an empty database", code, out)
		}
	})
}

// sameFile fails t unless the two files hold the same bytes.
func sameFile(t *testing.T, a, b string) {
	t.Helper()
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(da) != string(db) {
		t.Fatalf("%s and %s differ:\n--- %s\n%s\n--- %s\n%s", filepath.Base(a), filepath.Base(b), a, da, b, db)
	}
	if !strings.Contains(string(da), "routes:") || !strings.Contains(string(da), "targets:") {
		t.Fatalf("the export misses entities:\n%s", da)
	}
}

// TestPostgresOutage stops the real PostgreSQL server under two running
// nodes: their Admin APIs answer 503 with a clear message, their proxies
// keep serving the configuration they had, and once the server is back
// both recover without a restart, node B seeing node A's new writes.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	srv, pg := startPG(t)
	if code, out := gantryWith(t, gantryproc.Env(pg...), append([]string{"migrations", "bootstrap"}, gantryproc.Hermetic(t)...)...); code != 0 {
		t.Fatalf("migrations bootstrap = %d %s", code, out)
	}
	up := newUpstream(t, "still here", 0)
	nodeA := start(t, gantryproc.Env(append(pg, loopback...)...))
	nodeB := start(t, gantryproc.Env(append(pg, loopback...)...))
	mustAdmin(t, 201, "POST", nodeA.AdminURL()+"/services", map[string]any{"name": "web", "url": up.URL})
	mustAdmin(t, 201, "POST", nodeA.AdminURL()+"/services/web/routes", map[string]any{"paths": []string{"/before"}})
	for _, n := range []*node{nodeA, nodeB} {
		testutil.Eventually(t, "the route to serve", 10*time.Second, func() bool { code, _ := get(n.ProxyURL() + "/before"); return code == 200 })
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{nodeA, nodeB} {
		for _, req := range []struct {
			method, path string
			body         any
		}{{"GET", "/services", nil}, {"GET", "/routes", nil}, {"POST", "/services", map[string]any{"name": "during", "url": up.URL}}} {
			code, body := admin(t, req.method, n.AdminURL()+req.path, req.body)
			if code != 503 || !strings.Contains(body, "database is unavailable") || !strings.Contains(body, `"code":8`) {
				t.Fatalf("%s %s with the database down = %d %s, want 503 saying the database is unavailable", req.method, req.path, code, body)
			}
		}
		for range 20 {
			if code, body := get(n.ProxyURL() + "/before"); code != 200 || body != "still here" {
				t.Fatalf("proxy with the database down = %d %q, want the last configuration still served", code, body)
			}
		}
		for _, url := range []string{n.StatusURL() + "/status", n.AdminURL() + "/status"} {
			if code, body := get(url); code != 200 || !strings.Contains(body, `"reachable":false`) {
				t.Errorf("%s with the database down = %d %s, want 200 reporting the database unreachable", url, code, body)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "node A's Admin API to recover", 10*time.Second, func() bool {
		code, _ := admin(t, "POST", nodeA.AdminURL()+"/services/web/routes", map[string]any{"name": "after", "paths": []string{"/after"}})
		return code == 201
	})
	testutil.Eventually(t, "node B to proxy a route node A created after the outage", 10*time.Second, func() bool {
		code, body := get(nodeB.ProxyURL() + "/after")
		return code == 200 && body == "still here"
	})
	if code, _ := admin(t, "GET", nodeB.AdminURL()+"/services/during", nil); code != 404 {
		t.Fatalf("the service posted during the outage exists (%d): a refused write was partly kept", code)
	}
}

// pgDatabase is the GANTRY_PG_DATABASE value of settings.
func pgDatabase(settings []string) string {
	db := ""
	for _, kv := range settings {
		if v, ok := strings.CutPrefix(kv, "GANTRY_PG_DATABASE="); ok {
			db = v
		}
	}
	return db
}
