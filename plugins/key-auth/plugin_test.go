package keyauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
)

// config returns the basic config with consumers alice (key "secret") and
// anon, and a key-auth instance configured by conf.
func config(conf map[string]any) *entity.Config {
	cfg := plugintest.Basic(plugintest.Plugin("key-auth", conf, plugintest.Scope{}))
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c-alice", "alice"), plugintest.Consumer("c-anon", "anon")}
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c-alice"), Key: "secret"}
	cred.ID = plugintest.ID("k-alice")
	old := &entity.KeyAuth{Consumer: plugintest.Ref("c-alice"), Key: "old", TTL: 10}
	old.ID, old.CreatedAt = plugintest.ID("k-old"), time.Now().Unix()-60
	cfg.KeyAuths = []*entity.KeyAuth{cred, old}
	return cfg
}

func TestKeyAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		conf      map[string]any
		method    string
		path      string
		header    http.Header
		body      string
		status    int
		message   string
		challenge string
		check     func(t *testing.T, e plugintest.Echoed)
	}{
		{name: "no key", status: 401, message: "No API key found in request", challenge: "Key"},
		{name: "unknown key", header: http.Header{"Apikey": {"nope"}}, status: 401, message: "Unauthorized", challenge: "Key"},
		{name: "expired key", header: http.Header{"Apikey": {"old"}}, status: 401, message: "Unauthorized", challenge: "Key"},
		{name: "duplicate key", header: http.Header{"Apikey": {"secret", "secret"}}, status: 401, message: "Duplicate API key found", challenge: "Key"},
		{name: "realm in challenge", conf: map[string]any{"realm": "api"}, status: 401, message: "No API key found in request", challenge: `Key realm="api"`},
		{name: "key in header", header: http.Header{"Apikey": {"secret"}}, status: 200, check: func(t *testing.T, e plugintest.Echoed) {
			want := map[string]string{"X-Consumer-Id": plugintest.ID("c-alice"), "X-Consumer-Username": "alice", "X-Credential-Identifier": plugintest.ID("k-alice"), "Apikey": "secret", "X-Anonymous-Consumer": ""}
			for k, v := range want {
				if e.Headers.Get(k) != v {
					t.Errorf("upstream %s = %q, want %q", k, e.Headers.Get(k), v)
				}
			}
		}},
		{name: "key in query hidden", conf: map[string]any{"hide_credentials": true}, path: "/q?a=1&apikey=secret", status: 200, check: func(t *testing.T, e plugintest.Echoed) {
			if e.Query != "a=1" {
				t.Errorf("upstream query = %q, want a=1", e.Query)
			}
		}},
		{name: "hidden everywhere", conf: map[string]any{"hide_credentials": true}, path: "/?apikey=other&b=2", header: http.Header{"Apikey": {"secret"}}, status: 200,
			check: func(t *testing.T, e plugintest.Echoed) {
				if e.Query != "b=2" || e.Headers.Get("Apikey") != "" {
					t.Errorf("upstream query %q, apikey header %q: want both gone", e.Query, e.Headers.Get("Apikey"))
				}
			}},
		{name: "query ignored when key_in_query is false", conf: map[string]any{"key_in_query": false}, path: "/?apikey=secret", status: 401, message: "No API key found in request", challenge: "Key"},
		{name: "header ignored when key_in_header is false", conf: map[string]any{"key_in_header": false}, header: http.Header{"Apikey": {"secret"}}, status: 401, message: "No API key found in request", challenge: "Key"},
		{name: "key in form body hidden", conf: map[string]any{"key_in_body": true, "hide_credentials": true}, method: "POST",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: "apikey=secret&x=1", status: 200,
			check: func(t *testing.T, e plugintest.Echoed) {
				if v, _ := url.ParseQuery(e.Body); v.Get("apikey") != "" || v.Get("x") != "1" {
					t.Errorf("upstream body = %q, want x=1 only", e.Body)
				}
			}},
		{name: "key in json body", conf: map[string]any{"key_in_body": true}, method: "POST",
			header: http.Header{"Content-Type": {"application/json"}}, body: `{"apikey":"secret"}`, status: 200,
			check: func(t *testing.T, e plugintest.Echoed) {
				if e.Body != `{"apikey":"secret"}` {
					t.Errorf("upstream body = %q, want it untouched", e.Body)
				}
			}},
		{name: "anonymous on failure", conf: map[string]any{"anonymous": "anon"}, status: 200, check: func(t *testing.T, e plugintest.Echoed) {
			if e.Headers.Get("X-Anonymous-Consumer") != "true" || e.Headers.Get("X-Consumer-Id") != plugintest.ID("c-anon") {
				t.Errorf("upstream headers = %v, want the anonymous consumer", e.Headers)
			}
		}},
		{name: "anonymous consumer missing", conf: map[string]any{"anonymous": "ghost"}, status: 500, message: "An unexpected error occurred"},
		{name: "preflight skipped when run_on_preflight is false", conf: map[string]any{"run_on_preflight": false}, method: "OPTIONS", status: 200},
		{name: "preflight authenticated by default", method: "OPTIONS", status: 401, message: "No API key found in request", challenge: "Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, config(tt.conf))
			req := h.Request(t, tt.method, tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.message != "" && plugintest.Message(body) != tt.message {
				t.Errorf("body = %s, want message %q", body, tt.message)
			}
			if got := resp.Header.Get("Www-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if tt.check != nil {
				tt.check(t, plugintest.DecodeEcho(t, body))
			}
		})
	}
}

func TestKeyAuthReadmeExample(t *testing.T) {
	t.Parallel()
	cfg := config(nil)
	cfg.Plugins = []*entity.Plugin{plugintest.Example(t, "README.md")}
	h := plugintest.New(t, cfg)
	req := h.Request(t, "GET", "/", nil)
	req.Header.Set("x-api-key", "secret")
	resp, body := h.Do(t, req)
	if resp.StatusCode != 200 || plugintest.DecodeEcho(t, body).Headers.Get("X-Api-Key") != "" {
		t.Errorf("got %d %s, want 200 without the key upstream", resp.StatusCode, body)
	}
	resp, body = h.Do(t, h.Request(t, "GET", "/", nil))
	if resp.StatusCode != 401 || plugintest.Message(body) != "No API key found in request" {
		t.Errorf("got %d %s, want 401", resp.StatusCode, body)
	}
}

func TestKeyAuthSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "key-auth", map[string]plugintest.SchemaCase{
		"bad header name": {Config: map[string]any{"key_names": []any{"ok", "bad name"}}, Field: "config.key_names[2]"},
		"empty key_names": {Config: map[string]any{"key_names": []any{}}, Field: "config.key_names"},
		"wrong type":      {Config: map[string]any{"hide_credentials": "yes"}, Field: "config.hide_credentials", Message: "expected a boolean"},
		"consumer scope":  {Scope: plugintest.Scope{Consumer: "c"}, Field: "consumer", Message: "value must be null"},
	})
}
