package admin

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
)

// fuzzTargets are the writes FuzzAdminBody aims bodies at; the entities
// they name exist, so PATCH and PUT reach validation and the store.
var fuzzTargets = []struct{ method, path string }{
	{"POST", "/services"}, {"PATCH", "/services/s"}, {"PUT", "/services/s"},
	{"POST", "/routes"}, {"PATCH", "/routes/r"}, {"POST", "/services/s/routes"},
	{"POST", "/upstreams"}, {"PATCH", "/upstreams/u"}, {"POST", "/upstreams/u/targets"},
	{"POST", "/consumers"}, {"PUT", "/consumers/c"}, {"POST", "/consumers/c/basic-auth"},
	{"POST", "/plugins"}, {"POST", "/certificates"}, {"POST", "/schemas/routes/validate"},
}

var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", ""}

// FuzzAdminBody sends arbitrary bodies to the write endpoints: whatever
// the input, the answer is never a 5xx (a recovered panic is a 500 too).
func FuzzAdminBody(f *testing.F) {
	reg := plugin.Bundled(nil)
	a := newTestAPI(f, func(o *Options) {
		o.ValidatePlugin, o.PluginSchema = reg.Normalize, reg.Schema
	})
	a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "s", "host": "s.internal"})
	a.must(http.StatusCreated, "POST", "/routes", map[string]any{"name": "r", "paths": []string{"/"}})
	a.must(http.StatusCreated, "POST", "/upstreams", map[string]any{"name": "u"})
	a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": "c"})
	h := a.srv.Config.Handler

	for _, seed := range []string{
		`{"name":"x","host":"h","port":80}`,
		`{"url":"http://a:1/b","retries":"5","tags":["a",1]}`,
		`{"paths":["/a"],"service":{"name":"s"},"headers":{"x":["y"]}}`,
		`{"healthchecks":{"active":{"timeout":1e400,"healthy":{"http_statuses":[200,"x"]}}}}`,
		`{"name":"key-auth","config":{"key_names":[null]}}`,
		`name=x&hosts[]=a&hosts[1]=b&config.minute=5&service.id=s`,
		`a[1][2].b[]=c&a=1&..=&[]=x`,
		"--b\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\nh\r\n--b--\r\n",
		`{"id":null,"created_at":-1,"snis":["a"],"cert":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}`,
		`[]`, `null`, `{"":{}}`, `{"username":"c","password":"p","consumer":{"id":"c"}}`,
	} {
		f.Add([]byte(seed), uint8(0))
		f.Add([]byte(seed), uint8(17))
	}
	f.Fuzz(func(t *testing.T, body []byte, pick uint8) {
		tgt := fuzzTargets[int(pick)%len(fuzzTargets)]
		ct := fuzzContentTypes[int(pick)/len(fuzzTargets)%len(fuzzContentTypes)]
		req := httptest.NewRequest(tgt.method, tgt.path, bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			out, _ := io.ReadAll(rec.Body)
			t.Fatalf("%s %s (%s) with %q: %d %s", tgt.method, tgt.path, ct, body, rec.Code, out)
		}
	})
}

// FuzzAdminQuery sends arbitrary query strings and path keys to the read
// endpoints: never a 5xx.
func FuzzAdminQuery(f *testing.F) {
	a := newTestAPI(f, nil)
	a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "s", "host": "s.internal", "tags": []string{"a"}})
	h := a.srv.Config.Handler
	for _, seed := range []string{"size=1", "size=-1&offset=zz", "tags=a,b", "tags=a/b/", "offset=%ff", "size=1e9&tags=%2C"} {
		f.Add(seed, "s")
	}
	f.Add("", "6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11")
	f.Fuzz(func(t *testing.T, query, key string) {
		for _, path := range []string{"/services", "/services/" + url.PathEscape(key) + "/routes", "/certificates/" + url.PathEscape(key), "/acls"} {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", query
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("GET %s?%s: %d %s", path, query, rec.Code, rec.Body)
			}
		}
	})
}
