package admin

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite/sqlitetest"
)

// testAPI is an Admin API served over real HTTP on a loopback port, backed
// by a real SQLite database in the test's temporary directory.
type testAPI struct {
	t     testing.TB
	srv   *httptest.Server
	store store.Store
}

// newTestAPI starts an Admin API on SQLite; edit adjusts the options.
func newTestAPI(t testing.TB, edit func(*Options)) *testAPI {
	t.Helper()
	st := sqlitetest.Open(t)
	opts := Options{Store: st, Node: NodeInfo{Version: "3.9.0", GantryVersion: "0.1.0", Hostname: "test-host", NodeID: "c0ffee00-0000-4000-8000-000000000001"}}
	if edit != nil {
		edit(&opts)
	}
	srv := httptest.NewServer(New(opts))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, srv: srv, store: opts.Store}
}

// with returns a copy of a that reports failures to t (a subtest).
func (a *testAPI) with(t testing.TB) *testAPI {
	c := *a
	c.t = t
	return &c
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// do sends body (a map/struct as JSON, url.Values as a form, a string or
// []byte as is) and decodes the JSON answer.
func (a *testAPI) do(method, path string, body any) response {
	a.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatalf("encode body: %v", err)
		}
		rd, ct = bytes.NewReader(data), "application/json"
	}
	return a.send(method, path, ct, rd)
}

func (a *testAPI) send(method, path, contentType string, body io.Reader) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	if err != nil {
		a.t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("read body: %v", err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			a.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// must sends and fails the test unless the status is want.
func (a *testAPI) must(want int, method, path string, body any) map[string]any {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.Status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r.JSON
}

// wantError checks status, Kong code (0: none) and that the message or
// fields contain every one of mention.
func wantError(t *testing.T, r response, status, code int, mention ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if code != 0 && jsonInt(r.JSON["code"]) != code {
		t.Fatalf("code %v, want %d: %s", r.JSON["code"], code, r.Raw)
	}
	for _, m := range mention {
		if !bytes.Contains(r.Raw, []byte(m)) {
			t.Fatalf("answer does not mention %q: %s", m, r.Raw)
		}
	}
}

func jsonInt(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// at walks a decoded JSON object along dotted keys.
func at(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// apiCase is one request and what its answer must show.
type apiCase struct {
	name, method, path string
	body               any
	status, code       int
	says               []string
}

// runCases runs each case as a named subtest against a, in order.
func runCases(t *testing.T, a *testAPI, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			wantError(t, a.do(tc.method, tc.path, tc.body), tc.status, tc.code, tc.says...)
		})
	}
}
