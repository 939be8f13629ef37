package responsetransformer_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/response-transformer"
)

// upstream answers body with Content-Type ct and a few headers.
func upstream(ct, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Powered-By", "php")
		w.Header().Set("X-Old", "o")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write([]byte(body))
	})
}

func TestResponseTransformer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		conf     map[string]any
		ct, body string
		headers  map[string][]string // want; nil slice = absent
		json     map[string]any      // want body as JSON; nil = body unchanged
	}{
		{name: "headers", ct: "text/plain", body: "hi",
			conf: map[string]any{
				"remove":  map[string]any{"headers": []any{"x-powered-by"}},
				"rename":  map[string]any{"headers": []any{"x-old:x-new"}},
				"replace": map[string]any{"headers": []any{"content-type:text/html"}},
				"add":     map[string]any{"headers": []any{"x-added:1"}},
				"append":  map[string]any{"headers": []any{"x-added:2"}},
			},
			headers: map[string][]string{"X-Powered-By": nil, "X-Old": nil, "X-New": {"o"}, "Content-Type": {"text/html"}, "X-Added": {"1", "2"}}},
		{name: "json body", ct: "application/json; charset=utf-8", body: `{"a":1,"secret":"s","old":"v","n":"x","list":[1]}`,
			conf: map[string]any{
				"remove":  map[string]any{"json": []any{"secret"}},
				"rename":  map[string]any{"json": []any{"old:new"}},
				"replace": map[string]any{"json": []any{"n:42", "missing:x"}, "json_types": []any{"number"}},
				"add":     map[string]any{"json": []any{"a:no", "flag:true"}, "json_types": []any{"string", "boolean"}},
				"append":  map[string]any{"json": []any{"list:2"}, "json_types": []any{"number"}},
			},
			json: map[string]any{"a": float64(1), "new": "v", "n": float64(42), "flag": true, "list": []any{float64(1), float64(2)}}},
		{name: "non-json body untouched", ct: "text/plain", body: `{"secret":1}`,
			conf: map[string]any{"remove": map[string]any{"json": []any{"secret"}}}},
		{name: "json array untouched", ct: "application/json", body: `[1,2]`,
			conf: map[string]any{"add": map[string]any{"json": []any{"x:1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("response-transformer", tt.conf, plugintest.Scope{})),
				plugintest.WithUpstream(upstream(tt.ct, tt.body)))
			resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for k, want := range tt.headers {
				if got := resp.Header.Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.json == nil {
				if string(body) != tt.body {
					t.Errorf("body = %q, want unchanged %q", body, tt.body)
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil || !reflect.DeepEqual(got, tt.json) {
				t.Errorf("body = %s (%v), want %v", body, err, tt.json)
			}
			if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %s for a %d-byte body", cl, len(body))
			}
		})
	}
}

func TestResponseTransformerReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")),
		plugintest.WithUpstream(upstream("application/json", `{"name":"x","internal_id":7}`)))
	resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
	if string(body) != `{"beta":true,"name":"x","version":2}` || resp.Header.Get("X-Served-By") != "gantry" || resp.Header.Get("X-Powered-By") != "" {
		t.Errorf("got %s %v", body, resp.Header)
	}
}

func TestResponseTransformerSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "response-transformer", map[string]plugintest.SchemaCase{
		"bad pair":                {Config: map[string]any{"add": map[string]any{"json": []any{"nocolon"}}}, Field: "config.add.json[1]"},
		"bad json type":           {Config: map[string]any{"append": map[string]any{"json_types": []any{"array"}}}, Field: "config.append.json_types[1]"},
		"no json_types on remove": {Config: map[string]any{"remove": map[string]any{"json_types": []any{}}}, Field: "config.remove.json_types", Message: "unknown field"},
	})
}
