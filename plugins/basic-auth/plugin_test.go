package basicauth_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	basicauth "github.com/gantryhq/gantry/plugins/basic-auth"
)

// config has alice (sha1-hashed "wonderland"), bob (bcrypt "builder") and anon.
func config(t *testing.T, p *entity.Plugin) *entity.Config {
	cfg := plugintest.Basic(p)
	cfg.Consumers = []*entity.Consumer{
		plugintest.Consumer("c-alice", "alice"), plugintest.Consumer("c-bob", "bob"), plugintest.Consumer("c-anon", "anon"),
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("builder"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	alice := &entity.BasicAuth{Consumer: plugintest.Ref("c-alice"), Username: "alice", Password: basicauth.HashPassword("wonderland", plugintest.ID("c-alice"))}
	alice.ID = plugintest.ID("b-alice")
	bob := &entity.BasicAuth{Consumer: plugintest.Ref("c-bob"), Username: "bob", Password: string(hash)}
	bob.ID = plugintest.ID("b-bob")
	// carol's password holds a colon: only the first one separates the user.
	carol := &entity.BasicAuth{Consumer: plugintest.Ref("c-bob"), Username: "carol", Password: basicauth.HashPassword("a:b", plugintest.ID("c-bob"))}
	carol.ID = plugintest.ID("b-carol")
	cfg.BasicAuths = []*entity.BasicAuth{alice, bob, carol}
	return cfg
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		conf       map[string]any
		user, pass string
		header     string // raw Authorization, overrides user/pass
		proxyAuth  bool
		status     int
		consumer   string // upstream X-Consumer-Username
		authHidden bool
	}{
		{name: "no credentials", status: 401},
		{name: "wrong password", user: "alice", pass: "nope", status: 401},
		{name: "unknown user", user: "carol", pass: "wonderland", status: 401},
		{name: "garbage header", header: "Basic !!!", status: 401},
		{name: "other scheme", header: "Bearer abc", status: 401},
		{name: "sha1 credential", user: "alice", pass: "wonderland", status: 200, consumer: "alice"},
		{name: "bcrypt credential", user: "bob", pass: "builder", status: 200, consumer: "bob"},
		{name: "password with a colon", user: "carol", pass: "a:b", status: 200, consumer: "bob"},
		{name: "empty user", header: "Basic OndvbmRlcmxhbmQ=", status: 401},
		// Proxy-Authorization is hop-by-hop: the proxy never passes it on, hide_credentials or not.
		{name: "proxy-authorization", user: "alice", pass: "wonderland", proxyAuth: true, status: 200, consumer: "alice", authHidden: true},
		{name: "hide credentials", conf: map[string]any{"hide_credentials": true}, user: "alice", pass: "wonderland", status: 200, consumer: "alice", authHidden: true},
		{name: "anonymous", conf: map[string]any{"anonymous": plugintest.ID("c-anon")}, user: "alice", pass: "nope", status: 200, consumer: "anon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, config(t, plugintest.Plugin("basic-auth", tt.conf, plugintest.Scope{})))
			req := h.Request(t, "GET", "/", nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			if tt.proxyAuth {
				req.Header["Proxy-Authorization"] = req.Header["Authorization"]
				req.Header.Del("Authorization")
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 401 {
				if plugintest.Message(body) != "Unauthorized" || resp.Header.Get("Www-Authenticate") != `Basic realm="service"` {
					t.Errorf("got %s %v, want Kong's 401", body, resp.Header)
				}
				return
			}
			e := plugintest.DecodeEcho(t, body)
			if got := e.Headers.Get("X-Consumer-Username"); got != tt.consumer {
				t.Errorf("consumer = %q, want %q", got, tt.consumer)
			}
			if tt.consumer != "anon" && e.Headers.Get("X-Credential-Identifier") != tt.user {
				t.Errorf("X-Credential-Identifier = %q, want the username", e.Headers.Get("X-Credential-Identifier"))
			}
			if hidden := e.Headers.Get("Authorization") == "" && e.Headers.Get("Proxy-Authorization") == ""; hidden != tt.authHidden {
				t.Errorf("credentials hidden = %v, want %v", hidden, tt.authHidden)
			}
		})
	}
}

func TestBasicAuthReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, config(t, plugintest.Example(t, "README.md")))
	req := h.Request(t, "GET", "/", nil)
	req.SetBasicAuth("alice", "wonderland")
	resp, body := h.Do(t, req)
	if resp.StatusCode != http.StatusOK || plugintest.DecodeEcho(t, body).Headers.Get("Authorization") != "" {
		t.Errorf("got %d %s, want 200 without Authorization upstream", resp.StatusCode, body)
	}
	resp, _ = h.Do(t, h.Request(t, "GET", "/", nil))
	if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") != `Basic realm="api"` {
		t.Errorf("got %d %v, want 401 with realm api", resp.StatusCode, resp.Header)
	}
}

func TestPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, config(t, plugintest.Plugin("basic-auth", map[string]any{"anonymous": "ghost"}, plugintest.Scope{})))
	req := h.Request(t, "GET", "/", nil)
	req.SetBasicAuth("alice", "s3cr3t-pass")
	if resp, _ := h.Do(t, req); resp.StatusCode != 500 {
		t.Fatalf("status = %d, want 500 (missing anonymous consumer)", resp.StatusCode)
	}
	if logs := h.Logs(); logs == "" || strings.Contains(logs, "s3cr3t-pass") {
		t.Errorf("logs = %q: want an error that does not contain the password", logs)
	}
}
