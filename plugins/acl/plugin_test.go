package acl_test

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/acl"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
)

// config: key-auth (anonymous "anon") in front of acl; alice (key a) is in
// admins and ops, bob (key b) in guests, anon in no group.
func config(acl *entity.Plugin) *entity.Config {
	cfg := plugintest.Basic(plugintest.Plugin("key-auth", map[string]any{"anonymous": "anon"}, plugintest.Scope{}), acl)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c-alice", "alice"), plugintest.Consumer("c-bob", "bob"), plugintest.Consumer("c-anon", "anon")}
	for _, k := range []struct{ id, consumer, key string }{{"k1", "c-alice", "a"}, {"k2", "c-bob", "b"}} {
		ka := &entity.KeyAuth{Consumer: plugintest.Ref(k.consumer), Key: k.key}
		ka.ID = plugintest.ID(k.id)
		cfg.KeyAuths = append(cfg.KeyAuths, ka)
	}
	for _, g := range []struct{ consumer, group string }{{"c-alice", "admins"}, {"c-alice", "ops"}, {"c-bob", "guests"}} {
		cfg.ACLs = append(cfg.ACLs, &entity.ACL{Consumer: plugintest.Ref(g.consumer), Group: g.group})
	}
	return cfg
}

func TestACL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		conf   map[string]any
		key    string
		status int
		groups string
	}{
		{name: "allowed", conf: map[string]any{"allow": []any{"admins"}}, key: "a", status: 200, groups: "admins, ops"},
		{name: "not allowed", conf: map[string]any{"allow": []any{"admins"}}, key: "b", status: 403},
		{name: "anonymous without groups not allowed", conf: map[string]any{"allow": []any{"admins"}}, status: 403},
		{name: "denied", conf: map[string]any{"deny": []any{"guests"}}, key: "b", status: 403},
		{name: "not denied", conf: map[string]any{"deny": []any{"guests"}}, key: "a", status: 200, groups: "admins, ops"},
		{name: "anonymous without groups not denied", conf: map[string]any{"deny": []any{"guests"}}, status: 200},
		{name: "groups header hidden", conf: map[string]any{"allow": []any{"ops"}, "hide_groups_header": true}, key: "a", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, config(plugintest.Plugin("acl", tt.conf, plugintest.Scope{})))
			req := h.Request(t, "GET", "/", nil)
			if tt.key != "" {
				req.Header.Set("apikey", tt.key)
			}
			req.Header.Set("X-Consumer-Groups", "forged")
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 403 {
				if plugintest.Message(body) != "You cannot consume this service" {
					t.Errorf("body = %s", body)
				}
				return
			}
			if got := plugintest.DecodeEcho(t, body).Headers.Get("X-Consumer-Groups"); got != tt.groups {
				t.Errorf("X-Consumer-Groups = %q, want %q", got, tt.groups)
			}
		})
	}
}

func TestACLWithoutConsumer(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("acl", map[string]any{"allow": []any{"x"}}, plugintest.Scope{})))
	resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
	if resp.StatusCode != 401 || plugintest.Message(body) != "Unauthorized" {
		t.Errorf("got %d %s, want 401 Unauthorized", resp.StatusCode, body)
	}
}

func TestACLReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, config(plugintest.Example(t, "README.md")))
	for key, want := range map[string]int{"a": 200, "b": 403} {
		req := h.Request(t, "GET", "/", nil)
		req.Header.Set("apikey", key)
		if resp, body := h.Do(t, req); resp.StatusCode != want {
			t.Errorf("key %s: got %d %s, want %d", key, resp.StatusCode, body, want)
		}
	}
}

func TestACLSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "acl", map[string]plugintest.SchemaCase{
		"neither":                  {Config: map[string]any{}, Field: "config", Message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'"},
		"both":                     {Config: map[string]any{"allow": []any{"a"}, "deny": []any{"b"}}, Field: "config", Message: "only one of these fields must be non-empty: 'config.allow', 'config.deny'"},
		"string instead of a list": {Config: map[string]any{"allow": "admins"}, Field: "config.allow", Message: "expected an array"},
	})
}
