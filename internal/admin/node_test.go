package admin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func TestNodeEndpoints(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(o *Options) {
		o.Node.Configuration = map[string]any{"role": "traditional", "pg_password": "hunter2", "cluster_cert_key": "/k.pem", "admin_listen": "127.0.0.1:8001"}
	})
	cp := newTestAPI(t, func(o *Options) {
		o.Role = RoleControlPlane
		o.DataPlanes = func(context.Context) ([]any, error) {
			return []any{map[string]any{"id": "dp-1", "hostname": "edge-1", "sync_status": "normal"}}, nil
		}
	})

	t.Run("GET / in Kong's shape, secrets redacted", func(t *testing.T) {
		a := a.with(t)
		r := a.do("GET", "/", nil)
		wantError(t, r, 200, 0, `"version":"3.9.0"`, `"gantry_version":"0.1.0"`, `"hostname":"test-host"`, `"node_id":"c0ffee00-0000-4000-8000-000000000001"`, `"admin_listen":"127.0.0.1:8001"`)
		if strings.Contains(string(r.Raw), "hunter2") || strings.Contains(string(r.Raw), "/k.pem") {
			t.Fatalf("GET / leaks a secret: %s", r.Raw)
		}
	})
	tests := []struct {
		name   string
		api    *testAPI
		method string
		path   string
		body   any
		status int
		code   int
		says   []string
	}{
		{"status reports the database", a, "GET", "/status", nil, 200, 0, []string{`"database":{"reachable":true}`}},
		{"schema of services", a, "GET", "/schemas/services", nil, 200, 0, []string{`"port":{"default":80,"type":"integer"}`, `"name":{"type":"string","unique":true}`, `"host":{"required":true,"type":"string"}`}},
		{"schema by Admin API name", a, "GET", "/schemas/key-auths", nil, 200, 0, []string{`"reference":"consumers"`}},
		{"schema of routes lists defaults", a, "GET", "/schemas/routes", nil, 200, 0, []string{`"protocols":{"default":["http","https"]`}},
		{"schema of an unknown entity", a, "GET", "/schemas/widgets", nil, 404, 0, []string{"widgets"}},
		{"validate a good service", a, "POST", "/schemas/services/validate", map[string]any{"host": "x.internal"}, 200, 0, []string{"schema validation successful"}},
		{"validate a bad service", a, "POST", "/schemas/services/validate", map[string]any{"host": "x.internal", "port": 70000}, 400, 2, []string{`"port"`}},
		{"data planes on a traditional node", a, "GET", "/clustering/data-planes", nil, 400, 0, []string{"control plane"}},
		{"data planes on a control plane", cp, "GET", "/clustering/data-planes", nil, 200, 0, []string{`"hostname":"edge-1"`}},
		{"deprecated clustering status", cp, "GET", "/clustering/status", nil, 200, 0, []string{`"dp-1":{`}},
		{"config endpoints need DB-less", a, "GET", "/config", nil, 400, 0, []string{"database = off"}},
		{"POST /config needs DB-less", a, "POST", "/config", map[string]any{"_format_version": "3.0"}, 400, 0, []string{"database = off"}},
		{"unknown path", a, "GET", "/widgets", nil, 404, 0, []string{`"message":"Not found"`}},
		{"wrong method", a, "PATCH", "/services", nil, 405, 0, []string{"Method not allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.api.with(t).do(tc.method, tc.path, tc.body), tc.status, tc.code, tc.says...)
		})
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(o *Options) { o.MaxBodySize = 64 << 10 })
	big := `{"name":"` + strings.Repeat("x", 65<<10) + `"}`
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		says        []string
	}{
		{"invalid JSON", "POST", "/services", "application/json", `{"host":`, 400, []string{`"message":"Cannot parse JSON body"`}},
		{"trailing garbage", "POST", "/services", "application/json", `{"host":"a"} x`, 400, []string{"Cannot parse JSON body"}},
		{"JSON array", "POST", "/services", "application/json", `[1,2]`, 400, []string{"Cannot parse JSON body"}},
		{"oversized body", "POST", "/services", "application/json", big, 413, []string{"65536 bytes"}},
		{"unsupported media type", "POST", "/services", "text/plain", `host=a`, 415, []string{"application/json"}},
		{"conflicting form keys", "POST", "/services", "application/x-www-form-urlencoded", "host=a&host.x=b", 400, []string{"host"}},
		{"form number that is not one", "POST", "/services", "application/x-www-form-urlencoded", "host=a&port=NaN", 400, []string{`"port":"expected an integer"`}},
		{"huge number", "POST", "/services", "application/json", `{"host":"a","port":1e400}`, 400, []string{`"port"`}},
		{"empty body is an empty entity", "POST", "/services", "", ``, 400, []string{"host"}},
		{"null takes the default", "POST", "/services", "application/json", `{"host":"a.internal","port":null,"name":"nulled"}`, 201, []string{`"port":80`}},
		{"id must be a UUID", "POST", "/services", "application/json", `{"host":"a","id":"abc"}`, 400, []string{`"id"`}},
		{"form key nested too deep", "POST", "/services", "application/x-www-form-urlencoded", "host=a&" + strings.Repeat("x.", 40) + "y=1", 400, []string{"at most 32 levels"}},
		{"deep JSON", "POST", "/plugins", "application/json", `{"name":"p","config":` + strings.Repeat(`{"a":`, 10500) + "1" + strings.Repeat("}", 10500) + "}", 400, []string{"Cannot parse JSON body"}},
		{"broken multipart", "POST", "/services", "multipart/form-data; boundary=zzz", "--zzz\r\nbroken", 400, []string{"multipart"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			wantError(t, a.send(tc.method, tc.path, tc.contentType, strings.NewReader(tc.body)), tc.status, 0, tc.says...)
		})
	}
	t.Run("database unavailable is a 503", func(t *testing.T) {
		// The real store, with the database "unplugged" for reads and writes.
		b := newTestAPI(t, func(o *Options) { o.Store = unplugged{o.Store} })
		r := b.do("GET", "/services", nil)
		wantError(t, r, http.StatusServiceUnavailable, 8, "database is unavailable")
		if strings.Contains(string(r.Raw), "5432") {
			t.Fatalf("503 leaks the cause: %s", r.Raw)
		}
		r = b.do("POST", "/services", map[string]any{"host": "a.internal"})
		wantError(t, r, http.StatusServiceUnavailable, 8, "database is unavailable")
	})
	t.Run("closed store is a 503", func(t *testing.T) {
		// A node stopping closes its real SQLite store while requests may
		// still arrive: they are told the database is unavailable, not 500.
		b := newTestAPI(t, nil)
		if err := b.store.Close(); err != nil {
			t.Fatal(err)
		}
		wantError(t, b.do("GET", "/services", nil), http.StatusServiceUnavailable, 8, "database is unavailable")
		wantError(t, b.do("GET", "/services/web", nil), http.StatusServiceUnavailable, 8, "database is unavailable")
		wantError(t, b.do("POST", "/services", map[string]any{"host": "a.internal"}), http.StatusServiceUnavailable, 8, "database is unavailable")
	})
}

// unplugged wraps a real store and fails like a database that went away.
type unplugged struct{ store.Store }

func (unplugged) List(context.Context, entity.Kind, store.ListOptions) (store.Page, error) {
	return store.Page{}, fmt.Errorf("%w: dial tcp 127.0.0.1:5432: connection refused", store.ErrUnavailable)
}

func (unplugged) Insert(context.Context, entity.Entity) error {
	return fmt.Errorf("%w: dial tcp 127.0.0.1:5432: connection refused", store.ErrUnavailable)
}

// TestDeprecatedClusteringStatus checks that GET /clustering/status still
// answers, tells the client it is deprecated and where to go, and warns the
// operator once rather than on every poll.
func TestDeprecatedClusteringStatus(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	cp := newTestAPI(t, func(o *Options) {
		o.Role = RoleControlPlane
		o.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
		o.DataPlanes = func(context.Context) ([]any, error) {
			return []any{map[string]any{"id": "dp-1"}}, nil
		}
	})
	for range 3 {
		r := cp.do("GET", "/clustering/status", nil)
		if r.Status != 200 || r.Header.Get("Deprecation") != "true" || !strings.Contains(r.Header.Get("Link"), "</clustering/data-planes>") {
			t.Fatalf("GET /clustering/status = %d %v, want 200 with Deprecation and a Link to /clustering/data-planes", r.Status, r.Header)
		}
	}
	if r := cp.do("GET", "/clustering/data-planes", nil); r.Header.Get("Deprecation") != "" {
		t.Fatalf("the successor is marked deprecated too: %v", r.Header)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "deprecated Admin API endpoint"); n != 1 {
		t.Fatalf("logged the deprecation %d times over 3 calls, want once:\n%s", n, logs.String())
	}
}

// lockedWriter serializes writes from the server's goroutines.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
