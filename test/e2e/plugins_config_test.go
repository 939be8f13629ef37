package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPluginsFromDeclarativeConfig loads consumers with nested key-auth and
// basic-auth credentials (a plain-text password) and plugins from a
// declarative file: the password is stored hashed, and both credentials
// authenticate on the proxy.
func TestPluginsFromDeclarativeConfig(t *testing.T) {
	t.Parallel()
	up := newHeaderEcho(t)
	doc := `_format_version: "3.0"
services:
- name: api
  url: ` + up.URL + `
  routes:
  - name: keyed
    paths: [/keyed]
    plugins:
    - name: key-auth
  - name: basic
    paths: [/basic]
    plugins:
    - name: basic-auth
consumers:
- username: carol
  keyauth_credentials:
  - key: carol-decl-key-31
  basicauth_credentials:
  - username: carol
    password: carol-decl-pass-53
`
	n := startDBLess(t, declFile(t, doc), "GANTRY_LOG_LEVEL=debug")
	if resp, body := call(t, n.ProxyURL()+"/keyed", "apikey", "carol-decl-key-31"); resp.StatusCode != 200 || !strings.Contains(body, `"X-Consumer-Username":["carol"]`) {
		t.Errorf("key-auth from the file: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodGet, n.ProxyURL()+"/basic", nil)
	req.SetBasicAuth("carol", "carol-decl-pass-53")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("basic-auth from the file: %d", resp.StatusCode)
	}
	if resp, _ := call(t, n.ProxyURL()+"/basic", "Authorization", "Basic Y2Fyb2w6d3Jvbmc="); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}
	if cfg := mustAdmin(t, 200, "GET", n.AdminURL()+"/config", nil); strings.Contains(cfg, "carol-decl-pass-53") || !strings.Contains(cfg, "carol") {
		t.Errorf("GET /config shows the plain-text password or lost carol: %s", cfg)
	}
	if logs := n.Out.String(); strings.Contains(logs, "carol-decl-pass-53") || strings.Contains(logs, "carol-decl-key-31") {
		t.Error("the node logged a credential")
	}
}

// TestPluginsSettingSelectsLoadedPlugins starts a node with `plugins` naming
// two bundled plugins: the Admin API reports exactly those, serves their
// schemas only, and refuses to configure any other.
func TestPluginsSettingSelectsLoadedPlugins(t *testing.T) {
	t.Parallel()
	n := startTraditional(t, "GANTRY_PLUGINS=key-auth, acl")
	a := n.AdminURL()
	var enabled struct {
		Enabled []string `json:"enabled_plugins"`
	}
	if err := json.Unmarshal([]byte(mustAdmin(t, 200, "GET", a+"/plugins/enabled", nil)), &enabled); err != nil {
		t.Fatal(err)
	}
	if strings.Join(enabled.Enabled, ",") != "acl,key-auth" {
		t.Errorf("GET /plugins/enabled = %v, want acl and key-auth", enabled.Enabled)
	}
	var info struct {
		Plugins struct {
			Available map[string]struct {
				Version  string `json:"version"`
				Priority int    `json:"priority"`
			} `json:"available_on_server"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(mustAdmin(t, 200, "GET", a+"/", nil)), &info); err != nil {
		t.Fatal(err)
	}
	if ka := info.Plugins.Available["key-auth"]; len(info.Plugins.Available) != 2 || ka.Version == "" || ka.Priority != 1250 {
		t.Errorf("GET / plugins.available_on_server = %+v, want key-auth (priority 1250, a version) and acl", info.Plugins.Available)
	}
	mustAdmin(t, 404, "GET", a+"/schemas/plugins/cors", nil)
	if code, body := admin(t, "POST", a+"/plugins", map[string]any{"name": "cors"}); code != 400 || !strings.Contains(body, "cors") {
		t.Errorf("POST a plugin the node does not load = %d %s, want 400 naming it", code, body)
	}
	mustAdmin(t, 201, "POST", a+"/plugins", map[string]any{"name": "key-auth"})
}

// TestPluginPrecedenceThroughAdminAPI scopes rate-limiting three ways
// through the Admin API and checks which instance each request runs, by
// the limit it announces: consumer beats route beats service, as in Kong.
func TestPluginPrecedenceThroughAdminAPI(t *testing.T) {
	t.Parallel()
	up := newHeaderEcho(t)
	n := startTraditional(t)
	a := n.AdminURL()
	mustAdmin(t, 201, "POST", a+"/services", map[string]any{"name": "api", "url": up.URL})
	mustAdmin(t, 201, "POST", a+"/services/api/routes", map[string]any{"name": "one", "paths": []string{"/one"}})
	mustAdmin(t, 201, "POST", a+"/services/api/routes", map[string]any{"name": "two", "paths": []string{"/two"}})
	for _, c := range []string{"alice", "bob"} {
		mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": c})
		mustAdmin(t, 201, "POST", a+"/consumers/"+c+"/key-auth", map[string]any{"key": c + "-key"})
	}
	mustAdmin(t, 201, "POST", a+"/services/api/plugins", map[string]any{"name": "key-auth"})
	limit := func(path string, hour int) {
		mustAdmin(t, 201, "POST", a+path, map[string]any{"name": "rate-limiting", "config": map[string]any{"hour": hour}})
	}
	limit("/services/api/plugins", 100)
	limit("/routes/two/plugins", 200)
	limit("/consumers/alice/plugins", 300)

	cases := []struct{ who, path, want string }{
		{"bob", "/one", "100"},   // service
		{"bob", "/two", "200"},   // route beats service
		{"alice", "/one", "300"}, // consumer beats service
		{"alice", "/two", "300"}, // consumer beats route
	}
	got := func(who, path string) string {
		resp, _ := call(t, n.ProxyURL()+path, "apikey", who+"-key")
		return resp.Header.Get("X-RateLimit-Limit-Hour")
	}
	// Writes apply asynchronously: poll until every case holds, then
	// report the ones that never did.
	var wrong []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		wrong = wrong[:0]
		for _, c := range cases {
			if g := got(c.who, c.path); g != c.want {
				wrong = append(wrong, fmt.Sprintf("%s on %s: X-RateLimit-Limit-Hour = %q, want %s", c.who, c.path, g, c.want))
			}
		}
		if len(wrong) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range wrong {
		t.Error(w)
	}
}
