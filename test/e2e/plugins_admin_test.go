package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// newHeaderEcho is an upstream that answers with the request headers it
// received, so a test sees what plugins forwarded.
func newHeaderEcho(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.Header)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// call sends GET url with header pairs and returns the response (body
// closed) and its body.
func call(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestPluginsThroughAdminAPI configures key-auth, acl and rate-limiting
// on a traditional node through its Admin API only, and checks what a
// client and the upstream see: Kong's 401/403/429 answers and headers,
// the consumer forwarded upstream, credentials stored hashed and never in
// the node's logs, and invalid plugin config refused with the field named.
func TestPluginsThroughAdminAPI(t *testing.T) {
	t.Parallel()
	up := newHeaderEcho(t)
	n := startTraditional(t, "GANTRY_LOG_LEVEL=debug")
	a := n.AdminURL()
	const aliceKey, bobKey, bobPassword = "alice-secret-key-4f1c", "bob-secret-key-9d2e", "bob-pass-w0rd-77"

	mustAdmin(t, 201, "POST", a+"/services", map[string]any{"name": "api", "url": up.URL})
	mustAdmin(t, 201, "POST", a+"/services/api/routes", map[string]any{"name": "api-route", "paths": []string{"/api"}})
	alice := mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": "alice", "custom_id": "A-1"})
	mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": "bob"})
	mustAdmin(t, 201, "POST", a+"/consumers/alice/key-auth", map[string]any{"key": aliceKey})
	mustAdmin(t, 201, "POST", a+"/consumers/bob/key-auth", map[string]any{"key": bobKey})
	mustAdmin(t, 201, "POST", a+"/consumers/alice/acls", map[string]any{"group": "readers"})
	// carol only tells the test when every plugin is in service.
	mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": "carol"})
	mustAdmin(t, 201, "POST", a+"/consumers/carol/key-auth", map[string]any{"key": "carol-key"})
	mustAdmin(t, 201, "POST", a+"/consumers/carol/acls", map[string]any{"group": "readers"})
	basic := mustAdmin(t, 201, "POST", a+"/consumers/bob/basic-auth", map[string]any{"username": "bob", "password": bobPassword})
	if strings.Contains(basic, bobPassword) {
		t.Errorf("basic-auth credential answered with its plain-text password: %s", basic)
	}
	if got := mustAdmin(t, 200, "GET", a+"/basic-auths", nil); strings.Contains(got, bobPassword) {
		t.Errorf("GET /basic-auths shows the plain-text password: %s", got)
	}

	// rate-limiting is written last: the node applies whole database
	// revisions in order (TestOrderingAdminWritesGoLiveInOrder), so once its
	// headers show, key-auth and acl are live too.
	mustAdmin(t, 201, "POST", a+"/routes/api-route/plugins", map[string]any{"name": "key-auth"})
	mustAdmin(t, 201, "POST", a+"/routes/api-route/plugins", map[string]any{"name": "acl", "config": map[string]any{"allow": []string{"readers"}}})
	mustAdmin(t, 201, "POST", a+"/services/api/plugins", map[string]any{"name": "rate-limiting", "config": map[string]any{"minute": 3, "policy": "local"}})

	t.Run("invalid plugin config is refused with the field named", func(t *testing.T) {
		for _, c := range []struct {
			name, path string
			body       map[string]any
			field      string
		}{
			{"wrong type", "/plugins", map[string]any{"name": "rate-limiting", "config": map[string]any{"minute": "many"}}, "minute"},
			{"unknown field", "/plugins", map[string]any{"name": "key-auth", "config": map[string]any{"key_nmaes": []string{"k"}}}, "key_nmaes"},
			{"no limit at all", "/plugins", map[string]any{"name": "rate-limiting", "config": map[string]any{"policy": "local"}}, "config"},
			{"consumer-scoped auth plugin", "/consumers/alice/plugins", map[string]any{"name": "key-auth"}, "consumer"},
		} {
			code, body := admin(t, "POST", a+c.path, c.body)
			var e struct {
				Code   int            `json:"code"`
				Fields map[string]any `json:"fields"`
			}
			if err := json.Unmarshal([]byte(body), &e); code != 400 || err != nil || e.Code != 2 || !strings.Contains(body, c.field) {
				t.Errorf("%s: POST %s = %d %s, want 400, code 2, naming %q", c.name, c.path, code, body, c.field)
			}
		}
	})

	var aliceID string
	{
		var m map[string]any
		_ = json.Unmarshal([]byte(alice), &m)
		aliceID, _ = m["id"].(string)
	}
	// The node applies Admin API writes asynchronously: wait until acl
	// refuses bob and carol's answers carry rate-limiting's headers (each
	// consumer's calls count against its own limit only, alice's stay
	// untouched).
	testutil.Eventually(t, "the plugins to apply", 10*time.Second, func() bool {
		resp, _ := call(t, n.ProxyURL()+"/api", "apikey", "carol-key")
		denied, _ := call(t, n.ProxyURL()+"/api", "apikey", bobKey)
		return resp.Header.Get("X-RateLimit-Limit-Minute") == "3" && denied.StatusCode == 403
	})
	t.Run("no key", func(t *testing.T) {
		resp, body := call(t, n.ProxyURL()+"/api")
		if resp.StatusCode != 401 || !strings.Contains(body, "No API key found in request") || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("no key: %d %v %s, want Kong's 401", resp.StatusCode, resp.Header, body)
		}
	})
	t.Run("consumer not in the allowed group", func(t *testing.T) {
		resp, body := call(t, n.ProxyURL()+"/api", "apikey", bobKey)
		if resp.StatusCode != 403 || !strings.Contains(body, "You cannot consume this service") {
			t.Errorf("bob: %d %s, want Kong's 403", resp.StatusCode, body)
		}
	})
	t.Run("allowed consumer is forwarded, then rate limited", func(t *testing.T) {
		// bob's 403 ran before rate-limiting (acl has a higher priority), so
		// alice's three calls of the minute are all hers: limit_by consumer.
		for i := 1; i <= 3; i++ {
			resp, body := call(t, n.ProxyURL()+"/api", "apikey", aliceKey)
			if resp.StatusCode != 200 {
				t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
			}
			if resp.Header.Get("X-RateLimit-Limit-Minute") != "3" || resp.Header.Get("RateLimit-Limit") != "3" ||
				resp.Header.Get("X-RateLimit-Remaining-Minute") != string(rune('0'+3-i)) {
				t.Errorf("call %d: rate-limiting headers %v", i, resp.Header)
			}
			var got http.Header
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("upstream echo: %v: %s", err, body)
			}
			if got.Get("X-Consumer-Username") != "alice" || got.Get("X-Consumer-Id") != aliceID ||
				got.Get("X-Consumer-Custom-Id") != "A-1" || got.Get("X-Consumer-Groups") != "readers" || got.Get("X-Credential-Identifier") == "" {
				t.Errorf("call %d: consumer headers upstream = %v", i, got)
			}
		}
		resp, body := call(t, n.ProxyURL()+"/api", "apikey", aliceKey)
		if resp.StatusCode != 429 || !strings.Contains(body, "API rate limit exceeded") || resp.Header.Get("Retry-After") == "" ||
			resp.Header.Get("X-RateLimit-Remaining-Minute") != "0" {
			t.Errorf("4th call: %d %v %s, want Kong's 429", resp.StatusCode, resp.Header, body)
		}
	})
	t.Run("credentials never logged", func(t *testing.T) {
		logs := n.Out.String()
		for _, secret := range []string{aliceKey, bobKey, bobPassword} {
			if strings.Contains(logs, secret) {
				t.Errorf("the node logged the credential %q", secret)
			}
		}
	})
}

// TestExpiredKeyThroughTheProxy: a key-auth credential created with a ttl
// lets its requests through until the ttl has passed, then gets Kong's
// 401, through the binary's proxy (a second angle on the plugin's own
// expiry test).
func TestExpiredKeyThroughTheProxy(t *testing.T) {
	t.Parallel()
	up := newHeaderEcho(t)
	n := startTraditional(t)
	a := n.AdminURL()
	mustAdmin(t, 201, "POST", a+"/services", map[string]any{"name": "api", "url": up.URL})
	mustAdmin(t, 201, "POST", a+"/services/api/routes", map[string]any{"name": "api-route", "paths": []string{"/api"}})
	mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": "dave"})
	mustAdmin(t, 201, "POST", a+"/consumers/dave/key-auth", map[string]any{"key": "short-lived-key", "ttl": 2})
	mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": "erin"})
	mustAdmin(t, 201, "POST", a+"/consumers/erin/key-auth", map[string]any{"key": "lasting-key"})
	mustAdmin(t, 201, "POST", a+"/routes/api-route/plugins", map[string]any{"name": "key-auth"})
	testutil.Eventually(t, "the key is accepted before its ttl", 10*time.Second, func() bool {
		resp, _ := call(t, n.ProxyURL()+"/api", "apikey", "short-lived-key")
		return resp.StatusCode == 200
	})
	testutil.Eventually(t, "the key is refused once its ttl has passed", 15*time.Second, func() bool {
		resp, body := call(t, n.ProxyURL()+"/api", "apikey", "short-lived-key")
		return resp.StatusCode == 401 && strings.Contains(body, "Unauthorized")
	})
	if resp, body := call(t, n.ProxyURL()+"/api", "apikey", "lasting-key"); resp.StatusCode != 200 {
		t.Fatalf("a key without ttl: %d %s", resp.StatusCode, body)
	}
}
