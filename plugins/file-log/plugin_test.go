package filelog_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/file-log"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
)

// line is one logged entry, read back into the type the plugin writes.
type line = plugin.LogEntry

func readLines(t *testing.T, path string) []line {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// waitLines waits for the file to hold n lines: the log phase runs after
// the response was sent, so the client can be faster than the write.
func waitLines(t *testing.T, path string, n int) []line {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			if l := readLines(t, path); len(l) >= n || time.Now().After(deadline) {
				return l
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFileLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "access.log")
	cfg := plugintest.Basic(
		plugintest.Plugin("key-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("file-log", map[string]any{"path": path}, plugintest.Scope{}),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c1", "alice")}
	const key = "file-log-secret-key"
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c1"), Key: key}
	cred.ID = plugintest.ID("k1")
	cfg.KeyAuths = []*entity.KeyAuth{cred}
	h := plugintest.New(t, cfg)

	req := h.Request(t, "GET", "/orders?id=7", nil)
	req.Header.Set("apikey", key)
	req.Header.Set("Authorization", "Basic c2VjcmV0OnBhc3M=")
	if resp, _ := h.Do(t, req); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp, _ := h.Do(t, h.Request(t, "POST", "/denied", nil)); resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp, _ := h.Do(t, h.Request(t, "GET", "/q?a=1&apikey="+key, nil)); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	lines := waitLines(t, path, 3)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	ok, denied, query := lines[0], lines[1], lines[2]
	if raw, _ := os.ReadFile(path); strings.Contains(string(raw), key) {
		t.Errorf("the API key reached the log file:\n%s", raw)
	}
	if ok.Request.Headers["apikey"] != "REDACTED" || query.Request.Querystring["apikey"] != "REDACTED" ||
		query.Request.URI != "/q?a=1&apikey=REDACTED" || query.UpstreamURI != "/q?a=1&apikey=REDACTED" || query.Request.Querystring["a"] != "1" {
		t.Errorf("key not redacted: header %q, query %v, uri %q, upstream uri %q",
			ok.Request.Headers["apikey"], query.Request.Querystring, query.Request.URI, query.UpstreamURI)
	}
	if ok.Request.Method != "GET" || ok.Request.URI != "/orders?id=7" || ok.Request.Querystring["id"] != "7" ||
		ok.Response.Status != 200 || ok.Response.Size == 0 || ok.Source != "upstream" || ok.UpstreamURI != "/orders?id=7" ||
		ok.Route == nil || ok.Route.ID != plugintest.ID("r") || ok.Consumer == nil || ok.Consumer.Username != "alice" || ok.ClientIP != "127.0.0.1" || ok.StartedAt == 0 {
		t.Errorf("proxied entry = %+v", ok)
	}
	if ok.Request.Headers["authorization"] != "REDACTED" {
		t.Errorf("authorization logged as %q", ok.Request.Headers["authorization"])
	}
	if denied.Response.Status != 401 || denied.Source != "gantry" || denied.Consumer != nil || denied.UpstreamURI != "" {
		t.Errorf("gateway answer entry = %+v", denied)
	}
}

func TestFileLogReopen(t *testing.T) {
	t.Parallel()
	for _, reopen := range []bool{true, false} {
		t.Run(map[bool]string{true: "reopen", false: "keep open"}[reopen], func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "access.log")
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("file-log", map[string]any{"path": path, "reopen": reopen}, plugintest.Scope{})))
			h.Do(t, h.Request(t, "GET", "/", nil))
			waitLines(t, path, 1)
			rotated := filepath.Join(dir, "access.log.1")
			if err := os.Rename(path, rotated); err != nil {
				t.Fatal(err)
			}
			h.Do(t, h.Request(t, "GET", "/", nil))
			if reopen {
				waitLines(t, path, 1) // a fresh file at the path
				return
			}
			if len(waitLines(t, rotated, 2)) != 2 {
				t.Errorf("without reopen both lines belong to the open (rotated) file")
			}
		})
	}
}

func TestFileLogReadmeExample(t *testing.T) {
	t.Parallel()
	p := plugintest.Example(t, "README.md")
	if errs := plugin.Bundled(nil).Validate(p); errs != nil {
		t.Fatalf("README example invalid: %v", errs)
	}
	path := filepath.Join(t.TempDir(), "requests.log")
	p.Config["path"] = path // the documented path needs root; the rest is as documented
	h := plugintest.New(t, plugintest.Basic(p))
	h.Do(t, h.Request(t, "GET", "/orders?id=7", nil))
	if l := waitLines(t, path, 1); len(l) != 1 || l[0].Request.URI != "/orders?id=7" || l[0].Source != "upstream" {
		t.Errorf("lines = %+v", l)
	}
}

func TestFileLogSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "file-log", map[string]plugintest.SchemaCase{
		"missing path":  {Config: map[string]any{}, Field: "config.path", Message: "required field missing"},
		"relative path": {Config: map[string]any{"path": "logs/x.log"}, Field: "config.path"},
		"lua":           {Config: map[string]any{"path": "/tmp/x.log", "custom_fields_by_lua": map[string]any{"a": "return 1"}}, Field: "config.custom_fields_by_lua"},
	})
}
