package admin

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// runningConfig stands in for the DB-less node's snapshot holder: what
// POST /config applies is what the reads and the hash come from.
type runningConfig struct {
	mu      sync.Mutex
	cfg     *entity.Config
	applied int
}

func (rc *runningConfig) apply(_ context.Context, v entity.Valid) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.cfg = v.Config()
	rc.applied++
	return nil
}

func (rc *runningConfig) current() (*entity.Config, string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.cfg == nil {
		return nil, ""
	}
	return rc.cfg, rc.cfg.Hash()
}

func newDBLessAPI(t *testing.T) (*testAPI, *runningConfig) {
	t.Helper()
	rc := &runningConfig{}
	srv := httptest.NewServer(New(Options{ApplyConfig: rc.apply, CurrentConfig: rc.current}))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, srv: srv}, rc
}

const dblessYAML = `_format_version: "3.0"
services:
- name: catalog
  url: http://catalog.internal:8080
  tags: [shop]
  routes:
  - name: catalog-route
    paths: [/catalog]
consumers:
- username: dave
  keyauth_credentials:
  - key: dave-key
`

func TestDBLess(t *testing.T) {
	t.Parallel()
	a, rc := newDBLessAPI(t)

	r := a.send("POST", "/config", "application/yaml", strings.NewReader(dblessYAML))
	wantError(t, r, http.StatusCreated, 0, "catalog-route")

	runCases(t, a, []apiCase{
		{"reads come from the running config", "GET", "/services/catalog", nil, 200, 0, []string{`"port":8080`}},
		{"nested reads too", "GET", "/services/catalog/routes", nil, 200, 0, []string{`"name":"catalog-route"`}},
		{"tags filter", "GET", "/services?tags=shop", nil, 200, 0, []string{"catalog"}},
		{"credential lookup", "GET", "/key-auths/dave-key/consumer", nil, 200, 0, []string{`"username":"dave"`}},
		{"create is refused as Kong does", "POST", "/services", map[string]any{"host": "x"}, 405, 12, []string{"cannot create 'services' entities when not using a database"}},
		{"update is refused", "PATCH", "/services/catalog", map[string]any{"retries": 1}, 405, 12, []string{"cannot update 'services'"}},
		{"upsert is refused", "PUT", "/consumers/erin", map[string]any{}, 405, 12, []string{"cannot create or update 'consumers'"}},
		{"delete is refused", "DELETE", "/routes/catalog-route", nil, 405, 12, []string{"cannot remove 'routes'"}},
		{"status carries the hash", "GET", "/status", nil, 200, 0, []string{`"configuration_hash":"`}},
		{"GET /config is the declarative document", "GET", "/config", nil, 200, 0, []string{`"config":"_format_version`, "catalog-route", "dave-key"}},
		{"schema errors are code 14 with fields", "POST", "/config", map[string]any{"_format_version": "3.0", "services": []any{map[string]any{"name": "bad", "port": "x", "host": "h"}}}, 400, 14, []string{"invalid declarative configuration", `"services[0]"`, `"port"`}},
		{"missing document", "POST", "/config", url.Values{"other": {"x"}}, 400, 0, []string{"expected a declarative configuration"}},
		{"broken YAML", "POST", "/config", url.Values{"config": {"services: [\n"}}, 400, 14, nil},
	})

	t.Run("check_hash answers 304 for the running config", func(t *testing.T) {
		a := a.with(t)
		before := rc.applied
		r := a.send("POST", "/config?check_hash=1", "application/yaml", strings.NewReader(dblessYAML))
		if r.Status != http.StatusNotModified || rc.applied != before {
			t.Fatalf("status %d, applied %d -> %d: %s", r.Status, before, rc.applied, r.Raw)
		}
		r = a.send("POST", "/config", "application/yaml", strings.NewReader(dblessYAML))
		if r.Status != http.StatusCreated || rc.applied != before+1 {
			t.Fatalf("without check_hash the config is applied again: %d", r.Status)
		}
	})
	t.Run("GET /config round-trips through POST /config", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusOK, "GET", "/config", nil)
		_, hash := rc.current()
		r := a.do("POST", "/config?check_hash=1", url.Values{"config": {got["config"].(string)}})
		if r.Status != http.StatusNotModified {
			t.Fatalf("exported config does not hash the same (%s): %d %s", hash, r.Status, r.Raw)
		}
	})
	t.Run("multipart upload as with curl -F config=@kong.yml", func(t *testing.T) {
		a := a.with(t)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("config", "kong.yml")
		_, _ = fw.Write([]byte(strings.Replace(dblessYAML, "catalog-route", "uploaded-route", 1)))
		_ = mw.Close()
		wantError(t, a.send("POST", "/config", mw.FormDataContentType(), &buf), http.StatusCreated, 0, "uploaded-route")
		a.must(http.StatusOK, "GET", "/routes/uploaded-route", nil)
	})
	t.Run("flattened errors name the entity and field", func(t *testing.T) {
		a := a.with(t)
		body := map[string]any{"config": `{"_format_version":"3.0","services":[{"name":"bad","host":"h","retries":-5}]}`}
		r := a.do("POST", "/config?flatten_errors=1", body)
		wantError(t, r, http.StatusBadRequest, 14, `"flattened_errors":[{`, `"entity_type":"service"`, `"entity_name":"bad"`, `"field":"retries"`)
		if _, hash := rc.current(); hash == "" {
			t.Fatal("a rejected config replaced the running one")
		}
	})
}
