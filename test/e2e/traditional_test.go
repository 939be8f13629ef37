package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// TestTraditionalSQLite runs the default role and database: entities
// created through the Admin API reach the proxy without any reload command,
// and survive a restart on the same prefix.
func TestTraditionalSQLite(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "from sqlite", 0)
	n := startTraditional(t)
	// A database-backed node is ready as soon as its database answers, even
	// before the first entity exists (Kong's behaviour; DB-less nodes differ).
	if code, body := get(n.StatusURL() + "/status/ready"); code != 200 {
		t.Fatalf("/status/ready on a fresh SQLite node = %d %s, want 200", code, body)
	}

	form := func(path string, v url.Values) {
		t.Helper()
		resp, err := http.PostForm(n.AdminURL()+path, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("POST %s = %d, want 201", path, resp.StatusCode)
		}
	}
	form("/services", url.Values{"name": {"web"}, "url": {up.URL}})
	form("/services/web/routes", url.Values{"name": {"web-route"}, "paths[]": {"/web"}})
	testutil.Eventually(t, "the new route to serve", 10*time.Second, func() bool {
		code, body := get(n.ProxyURL() + "/web")
		return code == 200 && body == "from sqlite"
	})
	if code, _ := get(n.StatusURL() + "/status/ready"); code != 200 {
		t.Fatalf("/status/ready = %d with a route in the database", code)
	}
	if _, body := get(n.StatusURL() + "/status"); !strings.Contains(body, `"database":{"reachable":true}`) {
		t.Errorf("/status = %s, want the database reported reachable", body)
	}

	// Restart on the same prefix: the database file keeps the entities.
	prefix := n.Prefix
	n.Signal(sigterm)
	if code := n.Wait(15 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	again := startIn(t, prefix, gantryproc.Env(loopback...))
	if code, body := get(again.ProxyURL() + "/web"); code != 200 || !strings.Contains(body, "from sqlite") {
		t.Fatalf("after restart: %d %q, want the route from the database", code, body)
	}
}
