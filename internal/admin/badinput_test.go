package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBadInputKongShape sends the bad input of issue 3 (wrong types,
// unknown fields, invalid UUIDs, SQL-looking strings, broken references)
// and checks each answer: a 4xx in Kong's error shape whose fields name
// the offending field, and nothing written to the database.
func TestBadInputKongShape(t *testing.T) {
	t.Parallel()
	onBothStores(t, testBadInput)
}

func testBadInput(t *testing.T, a *testAPI) {
	a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "s", "host": "s.internal"})
	a.must(http.StatusCreated, "POST", "/routes", map[string]any{"name": "r", "paths": []string{"/r"}, "service": map[string]any{"name": "s"}})
	cert, key := selfSigned(t, "taken.example", false)
	a.must(http.StatusCreated, "POST", "/certificates", map[string]any{"cert": cert, "key": key, "snis": []string{"taken.example"}})
	other, otherKey := selfSigned(t, "other.example", false)
	cb, _ := json.Marshal(map[string]any{"cert": other, "key": otherKey, "snis": []string{"new.example", "taken.example"}})
	certBody := string(cb) // the certificate and its first sni must not be kept
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		code   int
		field  string // dotted path into "fields"; "" when Kong names none
	}{
		{"string for an integer", "POST", "/services", `{"host":"a.internal","port":"eighty"}`, 400, 2, "port"},
		{"integer for a string", "POST", "/services", `{"host":"a.internal","name":42}`, 400, 2, "name"},
		{"string for an array", "POST", "/routes", `{"paths":"/x","service":{"name":"s"}}`, 400, 2, "paths"},
		{"object for a boolean", "PATCH", "/routes/r", `{"strip_path":{"yes":true}}`, 400, 2, "strip_path"},
		{"number out of range", "PATCH", "/services/s", `{"port":70000}`, 400, 2, "port"},
		{"unknown field", "POST", "/services", `{"host":"a.internal","colour":"blue"}`, 400, 2, "colour"},
		{"unknown nested field", "POST", "/upstreams", `{"name":"u1","healthchecks":{"active":{"wat":1}}}`, 400, 2, "healthchecks.active.wat"},
		{"id that is not a UUID", "POST", "/services", `{"id":"1; DROP TABLE services","host":"a.internal"}`, 400, 2, "id"},
		{"reference to a missing service", "POST", "/routes", `{"paths":["/y"],"service":{"id":"5f0e1a57-0000-4000-8000-000000000000"}}`, 400, 4, "service"},
		{"reference by a name that does not exist", "POST", "/routes", `{"paths":["/y"],"service":{"name":"x' OR '1'='1"}}`, 400, 4, "service"},
		{"SQL-looking name", "POST", "/services", `{"name":"s'; DROP TABLE services;--","host":"a.internal"}`, 400, 2, "name"},
		{"SQL-looking host", "POST", "/services", `{"host":"a.internal' OR 1=1 --"}`, 400, 2, "host"},
		{"duplicate name", "POST", "/services", `{"name":"s","host":"b.internal"}`, 409, 5, "name"},
		{"certificate that is not PEM", "POST", "/certificates", `{"cert":"x","key":"y"}`, 400, 2, "cert"},
		{"certificate whose sni is taken", "POST", "/certificates", certBody, 400, 2, "snis"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			before := exportJSON(t, a)
			r := a.send(tc.method, tc.path, "application/json", strings.NewReader(tc.body))
			wantError(t, r, tc.status, tc.code)
			for _, key := range []string{"code", "name", "message"} {
				if _, ok := r.JSON[key]; !ok {
					t.Fatalf("error lacks Kong's %q: %s", key, r.Raw)
				}
			}
			if tc.field != "" && at(r.JSON, "fields."+tc.field) == nil {
				t.Fatalf("fields does not name %s: %s", tc.field, r.Raw)
			}
			if after := exportJSON(t, a); after != before {
				t.Fatalf("a refused request changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("SQL-looking strings are data, not SQL", func(t *testing.T) {
		a := a.with(t)
		evil := `x'); DELETE FROM services; --`
		r := a.must(http.StatusCreated, "POST", "/services", map[string]any{"host": "a.internal", "tags": []string{"ok"}, "path": "/" + strings.ReplaceAll(evil, " ", "")})
		a.must(http.StatusOK, "GET", "/services/s", nil)
		got := a.must(http.StatusOK, "GET", "/services/"+r["id"].(string), nil)
		if got["path"] != r["path"] {
			t.Fatalf("path stored as %v, sent %v", got["path"], r["path"])
		}
		// An unencoded ';' makes the query malformed: refused, not ignored
		// (ignoring it would list every service).
		wantError(t, a.do("GET", "/services?tags="+strings.ReplaceAll(evil, " ", "%20"), nil), http.StatusBadRequest, 11, "invalid query string")
		if r := a.do("GET", "/services?tags="+url.QueryEscape(evil), nil); r.Status != 200 || len(r.JSON["data"].([]any)) != 0 {
			t.Fatalf("tag filter with SQL-looking tag = %d %s, want 200 and no data", r.Status, r.Raw)
		}
		a.must(http.StatusOK, "GET", "/services/s", nil)
	})
}

// exportJSON is the whole database as JSON, to compare before and after.
func exportJSON(t *testing.T, a *testAPI) string {
	t.Helper()
	cfg, err := a.store.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
