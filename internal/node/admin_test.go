package node

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/admin"
	"github.com/gantryhq/gantry/internal/config"
)

// TestAdminHook wires the real Admin API the way the CLI does for a DB-less
// node: POST /config goes through Node.Apply and GET /config reads Node.Current.
func TestAdminHook(t *testing.T) {
	t.Parallel()
	up := upstream(t, "pushed")
	s := settings(t, config.Flag{Key: "admin_listen", Value: "127.0.0.1:0"})
	n, _ := runNode(t, Options{Settings: s, Admin: func(n *Node) http.Handler {
		return admin.New(admin.Options{
			Node:          admin.NodeInfo{NodeID: n.ID(), Configuration: s.Redacted()},
			ApplyConfig:   n.Apply,
			CurrentConfig: n.Current,
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
	if code, got := get(t, ls.Proxy[0].URL()+"/"); code != 200 || got != "pushed" {
		t.Fatalf("proxy after POST /config = %d %q", code, got)
	}
	if _, hash := n.Current(); hash == "" || hash != n.hash() {
		t.Fatalf("Current hash %q, node hash %q", hash, n.hash())
	}
	if _, info := get(t, ls.Admin[0].URL()+"/"); !strings.Contains(info, n.ID()) {
		t.Errorf("GET / does not report the node id %s: %s", n.ID(), info)
	}
}
