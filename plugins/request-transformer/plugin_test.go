package requesttransformer_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/request-transformer"
)

func TestRequestTransformer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		conf        map[string]any
		method      string
		path        string
		header      map[string]string
		contentType string
		body        string
		check       func(t *testing.T, e plugintest.Echoed)
	}{
		{name: "headers in order", header: map[string]string{"X-Old": "o", "X-Gone": "g", "X-Rep": "r", "X-Keep": "k"},
			conf: map[string]any{
				"remove":  map[string]any{"headers": []any{"x-gone"}},
				"rename":  map[string]any{"headers": []any{"x-old:x-new"}},
				"replace": map[string]any{"headers": []any{"x-rep:replaced", "x-missing:no"}},
				"add":     map[string]any{"headers": []any{"x-keep:not-added", "x-added:yes"}},
				"append":  map[string]any{"headers": []any{"x-keep:second"}},
			},
			check: func(t *testing.T, e plugintest.Echoed) {
				h := e.Headers
				if h.Get("X-Gone") != "" || h.Get("X-Old") != "" || h.Get("X-New") != "o" || h.Get("X-Rep") != "replaced" ||
					h.Get("X-Missing") != "" || h.Get("X-Added") != "yes" || !reflect.DeepEqual(h.Values("X-Keep"), []string{"k", "second"}) {
					t.Errorf("headers = %v", h)
				}
			}},
		{name: "host header", conf: map[string]any{"replace": map[string]any{"headers": []any{"host:api.internal"}}},
			check: func(t *testing.T, e plugintest.Echoed) {
				if e.Host != "api.internal" {
					t.Errorf("upstream Host = %q, want api.internal", e.Host)
				}
			}},
		{name: "query string", path: "/?a=1&b=2&c=3",
			conf: map[string]any{
				"remove": map[string]any{"querystring": []any{"a"}},
				"rename": map[string]any{"querystring": []any{"b:bee"}},
				"add":    map[string]any{"querystring": []any{"c:no", "d:4"}},
				"append": map[string]any{"querystring": []any{"c:33"}},
			},
			check: func(t *testing.T, e plugintest.Echoed) {
				q, _ := url.ParseQuery(e.Query)
				want := url.Values{"bee": {"2"}, "c": {"3", "33"}, "d": {"4"}}
				if !reflect.DeepEqual(q, want) {
					t.Errorf("query = %v, want %v", q, want)
				}
			}},
		{name: "method and uri", method: "POST", path: "/old/path?x=1",
			conf: map[string]any{"http_method": "PUT", "replace": map[string]any{"uri": "/new"}},
			check: func(t *testing.T, e plugintest.Echoed) {
				if e.Method != "PUT" || e.Path != "/new" || e.Query != "x=1" {
					t.Errorf("got %s %s?%s", e.Method, e.Path, e.Query)
				}
			}},
		{name: "form body", method: "POST", contentType: "application/x-www-form-urlencoded", body: "a=1&secret=s&n=old",
			conf: map[string]any{
				"remove":  map[string]any{"body": []any{"secret"}},
				"replace": map[string]any{"body": []any{"n:new"}},
				"add":     map[string]any{"body": []any{"added:yes"}},
			},
			check: func(t *testing.T, e plugintest.Echoed) {
				form, _ := url.ParseQuery(e.Body)
				want := url.Values{"a": {"1"}, "n": {"new"}, "added": {"yes"}}
				if !reflect.DeepEqual(form, want) {
					t.Errorf("body = %q, want %v", e.Body, want)
				}
			}},
		{name: "json body", method: "POST", contentType: "application/json", body: `{"a":1,"old":"v","list":"x"}`,
			conf: map[string]any{
				"rename": map[string]any{"body": []any{"old:new"}},
				"add":    map[string]any{"body": []any{"b:2"}},
				"append": map[string]any{"body": []any{"list:y", "fresh:z"}},
			},
			check: func(t *testing.T, e plugintest.Echoed) {
				var got map[string]any
				if err := json.Unmarshal([]byte(e.Body), &got); err != nil {
					t.Fatalf("body %q: %v", e.Body, err)
				}
				want := map[string]any{"a": float64(1), "new": "v", "b": "2", "list": []any{"x", "y"}, "fresh": []any{"z"}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body = %v, want %v", got, want)
				}
			}},
		{name: "other content types untouched", method: "POST", contentType: "text/plain", body: "a=1",
			conf: map[string]any{"add": map[string]any{"body": []any{"b:2"}}},
			check: func(t *testing.T, e plugintest.Echoed) {
				if e.Body != "a=1" {
					t.Errorf("body = %q", e.Body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("request-transformer", tt.conf, plugintest.Scope{})))
			req := h.Request(t, tt.method, tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			tt.check(t, plugintest.DecodeEcho(t, body))
		})
	}
}

func TestRequestTransformerReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	req := h.Request(t, "POST", "/search?q=cats", strings.NewReader("a=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("x-debug", "1")
	_, body := h.Do(t, req)
	e := plugintest.DecodeEcho(t, body)
	form, _ := url.ParseQuery(e.Body)
	if e.Method != "POST" || e.Path != "/v2/search" || e.Query != "query=cats" || e.Headers.Get("X-Gateway") != "gantry" ||
		e.Headers.Get("X-Debug") != "" || form.Get("a") != "1" || form.Get("source") != "gateway" {
		t.Errorf("upstream got %+v", e)
	}
}

func TestRequestTransformerSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "request-transformer", map[string]plugintest.SchemaCase{
		"pair without colon": {Config: map[string]any{"add": map[string]any{"headers": []any{"x-a:1", "nocolon"}}}, Field: "config.add.headers[2]"},
		"replace pair":       {Config: map[string]any{"replace": map[string]any{"querystring": []any{":v"}}}, Field: "config.replace.querystring[1]"},
		"lower-case method":  {Config: map[string]any{"http_method": "get"}, Field: "config.http_method"},
		"relative uri":       {Config: map[string]any{"replace": map[string]any{"uri": "x"}}, Field: "config.replace.uri"},
		"unknown target":     {Config: map[string]any{"add": map[string]any{"cookies": []any{}}}, Field: "config.add.cookies", Message: "unknown field"},
	})
}
