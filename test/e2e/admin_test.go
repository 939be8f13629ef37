package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDBLessAdminAPI drives a DB-less node through its Admin API: node
// info, POST /config replacing the routing, and a refused invalid config.
func TestDBLessAdminAPI(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "A", 0), newUpstream(t, "B", 0)
	n := startDBLess(t, declFile(t, routeTo(a.URL)))
	if len(n.Listeners.Admin) != 1 {
		t.Fatalf("listeners.json admin = %v, want one listener", n.Listeners.Admin)
	}

	code, body := get(n.AdminURL() + "/")
	var info struct {
		Version       string         `json:"version"`
		NodeID        string         `json:"node_id"`
		Configuration map[string]any `json:"configuration"`
	}
	if err := json.Unmarshal([]byte(body), &info); code != 200 || err != nil {
		t.Fatalf("GET / = %d %s", code, body)
	}
	if info.Version != "3.9.0" || info.NodeID == "" || info.Configuration["database"] != "off" {
		t.Errorf("GET / = version %q node %q database %v", info.Version, info.NodeID, info.Configuration["database"])
	}

	post := func(doc string) int {
		resp, err := http.Post(n.AdminURL()+"/config", "application/yaml", strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(routeTo(b.URL)); code/100 != 2 {
		t.Fatalf("POST /config = %d, want success", code)
	}
	if _, body := get(n.ProxyURL() + "/"); body != "B" {
		t.Fatalf("after POST /config the proxy answers %q, want B", body)
	}
	if code := post("_format_version: \"3.0\"\nservices:\n- name: bad\n  port: 99999\n"); code != 400 {
		t.Fatalf("POST /config with an invalid document = %d, want 400", code)
	}
	if _, body := get(n.ProxyURL() + "/"); body != "B" {
		t.Fatalf("after a refused POST /config the proxy answers %q, want B still", body)
	}
}

func TestPluginConfigIsValidated(t *testing.T) {
	t.Parallel()
	file := declFile(t, routeTo("http://127.0.0.1:9")+"plugins:\n- name: rate-limiting\n  config:\n    minute: -5\n")
	code, _, errOut := gantry(t, "config", "parse", file)
	if code == 0 || !strings.Contains(errOut, "plugins[0]") || !strings.Contains(errOut, "minute") {
		t.Fatalf("config parse with a bad plugin config = %d %q, want an error naming plugins[0] and the field", code, errOut)
	}
}

// TestPluginsRun checks the node builds plugin chains from the bundled
// registry: a route-scoped request-termination answers instead of the upstream.
func TestPluginsRun(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "upstream", 0)
	doc := routeTo(up.URL) + `plugins:
- name: request-termination
  route: everything
  config:
    status_code: 418
    message: "terminated by a plugin"
`
	n := startDBLess(t, declFile(t, doc))
	code, body := get(n.ProxyURL() + "/")
	if code != 418 || !strings.Contains(body, "terminated by a plugin") {
		t.Fatalf("GET with request-termination = %d %q, want 418 from the plugin", code, body)
	}
}
