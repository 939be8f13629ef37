package all_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// TestBundledPluginsCompose runs a typical API configuration, eight plugins
// on one route, and checks what a client and the upstream see.
func TestBundledPluginsCompose(t *testing.T) {
	t.Parallel()
	logPath := filepath.Join(t.TempDir(), "access.log")
	g := plugintest.Scope{}
	cfg := plugintest.Basic(
		plugintest.Plugin("correlation-id", map[string]any{"echo_downstream": true}, g),
		plugintest.Plugin("cors", map[string]any{"origins": []any{"https://app.test"}, "credentials": true}, g),
		plugintest.Plugin("key-auth", nil, plugintest.Scope{Route: "r"}),
		plugintest.Plugin("acl", map[string]any{"allow": []any{"users"}}, g),
		plugintest.Plugin("rate-limiting", map[string]any{"day": 2}, g),
		plugintest.Plugin("request-transformer", map[string]any{"add": map[string]any{"headers": []any{"x-tenant:acme"}}}, g),
		plugintest.Plugin("response-transformer", map[string]any{"remove": map[string]any{"json": []any{"headers"}}}, g),
		plugintest.Plugin("file-log", map[string]any{"path": logPath}, g),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c1", "alice")}
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c1"), Key: "k"}
	cred.ID = plugintest.ID("k1")
	cfg.KeyAuths = []*entity.KeyAuth{cred}
	cfg.ACLs = []*entity.ACL{{Consumer: plugintest.Ref("c1"), Group: "users"}}
	h := plugintest.New(t, cfg)

	// A preflight is answered by cors before authentication.
	pre := h.Request(t, "OPTIONS", "/", nil)
	pre.Header.Set("Origin", "https://app.test")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	resp, _ := h.Do(t, pre)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.test" || resp.Header.Get("Gantry-Request-Id") == "" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}

	// Without a key: 401 with the CORS headers on it.
	get := func() (*http.Response, map[string]any) {
		req := h.Request(t, "GET", "/", nil)
		req.Header.Set("Origin", "https://app.test")
		req.Header.Set("apikey", "k")
		resp, body := h.Do(t, req)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		return resp, m
	}
	anon := h.Request(t, "GET", "/", nil)
	anon.Header.Set("Origin", "https://app.test")
	resp, _ = h.Do(t, anon)
	if resp.StatusCode != 401 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.test" {
		t.Errorf("no key: %d %v", resp.StatusCode, resp.Header)
	}

	resp, body := get()
	if resp.StatusCode != 200 || resp.Header.Get("X-Ratelimit-Remaining-Day") != "1" || body["method"] != "GET" {
		t.Fatalf("first call: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	if _, ok := body["headers"]; ok {
		t.Error("response-transformer did not remove the echoed headers")
	}
	resp, _ = get()
	if resp.StatusCode != 200 {
		t.Fatalf("second call: %d", resp.StatusCode)
	}
	resp, body = get()
	if resp.StatusCode != 429 || body["message"] != "API rate limit exceeded" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.test" {
		t.Errorf("third call: %d %v %v", resp.StatusCode, resp.Header, body)
	}

	// Five requests, five log lines, the limited one included.
	var lines []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for len(lines) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		lines = nil
		if f, err := os.Open(logPath); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var l map[string]any
				if json.Unmarshal(sc.Bytes(), &l) == nil {
					lines = append(lines, l)
				}
			}
			f.Close()
		}
	}
	if len(lines) != 5 {
		t.Fatalf("%d log lines, want 5", len(lines))
	}
	statuses := []float64{}
	for _, l := range lines {
		statuses = append(statuses, l["response"].(map[string]any)["status"].(float64))
	}
	slices.Sort(statuses) // log phases run after responses: order may vary
	if want := []float64{200, 200, 200, 401, 429}; !slices.Equal(statuses, want) {
		t.Errorf("logged statuses %v, want %v", statuses, want)
	}
}
