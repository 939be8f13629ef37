package node_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/admin"
	"github.com/gantryhq/gantry/internal/provider/push"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestAdminHook wires the real Admin API the way internal/app does for a
// DB-less node: POST /config goes through the push provider into the
// node's pipeline and GET /config reads what the pipeline applied.
func TestAdminHook(t *testing.T) {
	t.Parallel()
	up := upstream(t, "pushed")
	s := nodeSettings(t, settings.Flag{Key: "admin_listen", Value: "127.0.0.1:0"})
	n := runNode(t, setup{settings: s, admin: func(n *testNode) http.Handler {
		return admin.New(admin.Options{
			Node:          admin.NodeInfo{NodeID: n.id, Configuration: s.Redacted()},
			ApplyConfig:   push.New("POST /config", n.pipe).Push,
			CurrentConfig: n.current,
		})
	}})
	ls := n.Listeners()
	if len(ls.Admin) != 1 {
		t.Fatalf("admin listeners = %v, want one", ls.Admin)
	}
	body := `{"_format_version":"3.0","services":[{"name":"s","url":"` + up.URL + `","routes":[{"name":"r","paths":["/"]}]}]}`
	resp, err := http.Post(ls.Admin[0].URL()+"/config", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		t.Fatalf("POST /config = %d", resp.StatusCode)
	}
	if code, got := testutil.Get(t, ls.Proxy[0].URL()+"/"); code != 200 || got != "pushed" {
		t.Fatalf("proxy after POST /config = %d %q", code, got)
	}
	if _, hash := n.current(); hash == "" || hash != n.hash() {
		t.Fatalf("Current hash %q, node hash %q", hash, n.hash())
	}
	if _, info := testutil.Get(t, ls.Admin[0].URL()+"/"); !strings.Contains(info, n.ID()) {
		t.Errorf("GET / does not report the node id %s: %s", n.ID(), info)
	}
}
