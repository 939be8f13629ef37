package admin

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func TestUpstreamTargets(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	up := a.must(http.StatusCreated, "POST", "/upstreams", map[string]any{"name": "backend.v1", "healthchecks": map[string]any{"active": map[string]any{"http_path": "/health"}}})
	if at(up, "healthchecks.active.http_path") != "/health" || jsonInt(at(up, "healthchecks.active.concurrency")) != 10 {
		t.Fatalf("nested record defaults lost: %v", up["healthchecks"])
	}
	tgt := a.must(http.StatusCreated, "POST", "/upstreams/backend.v1/targets", map[string]any{"target": "10.0.0.1:8080"})
	if at(tgt, "upstream.id") != up["id"] || jsonInt(tgt["weight"]) != 100 {
		t.Fatalf("target: %v", tgt)
	}

	runCases(t, a, []apiCase{
		{"target by host:port", "GET", "/upstreams/backend.v1/targets/10.0.0.1:8080", nil, 200, 0, []string{tgt["id"].(string)}},
		{"target by id", "GET", "/upstreams/backend.v1/targets/" + tgt["id"].(string), nil, 200, 0, []string{`"weight":100`}},
		{"all targets", "GET", "/upstreams/backend.v1/targets/all", nil, 200, 0, []string{tgt["id"].(string)}},
		{"unknown target", "GET", "/upstreams/backend.v1/targets/10.9.9.9:1", nil, 404, 0, []string{"Not found"}},
		{"no top-level targets", "GET", "/targets", nil, 404, 0, []string{"Not found"}},
		{"PATCH weight", "PATCH", "/upstreams/backend.v1/targets/10.0.0.1:8080", map[string]any{"weight": 0}, 200, 0, []string{`"weight":0`}},
		{"PATCH a nested record keeps its siblings", "PATCH", "/upstreams/backend.v1", url.Values{"healthchecks.active.healthy.interval": {"5"}}, 200, 0, []string{`"interval":5`, `"http_path":"/health"`}},
		{"bad healthcheck type names the path", "PATCH", "/upstreams/backend.v1", map[string]any{"healthchecks": map[string]any{"active": map[string]any{"timeout": "soon"}}}, 400, 2, []string{`"timeout":"expected a number"`}},
		{"unknown nested field names the path", "POST", "/upstreams", map[string]any{"name": "u2", "healthchecks": map[string]any{"active": map[string]any{"bogus": 1}}}, 400, 2, []string{`"healthchecks":{"active":{"bogus":"unknown field"}}`}},
		{"PUT target by host:port", "PUT", "/upstreams/backend.v1/targets/10.0.0.2:8080", map[string]any{"weight": 5}, 200, 0, []string{`"target":"10.0.0.2:8080"`, `"weight":5`}},
		{"delete target", "DELETE", "/upstreams/backend.v1/targets/10.0.0.2:8080", nil, 204, 0, nil},
		{"same target twice", "POST", "/upstreams/backend.v1/targets", map[string]any{"target": "10.0.0.1:8080"}, 409, 5, []string{"target"}},
		{"target without a port", "POST", "/upstreams/backend.v1/targets", url.Values{"target": {"api.internal"}, "weight": {"7"}}, 201, 0, []string{`"weight":7`}},
		{"target found by host alone", "GET", "/upstreams/backend.v1/targets/api.internal", nil, 200, 0, []string{`"weight":7`}},
		{"bad target", "POST", "/upstreams/backend.v1/targets", map[string]any{"target": "a:b:c:99999"}, 400, 2, []string{"target"}},
	})
	t.Run("deleting the upstream deletes its targets", func(t *testing.T) {
		a := a.with(t)
		a.must(http.StatusNoContent, "DELETE", "/upstreams/backend.v1", nil)
		if _, err := a.store.Get(t.Context(), entity.KindTarget, tgt["id"].(string)); err == nil {
			t.Fatal("target survived its upstream")
		}
	})
}

func TestConsumersAndCredentials(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	alice := a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": "alice", "custom_id": "A-1"})
	a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": "bob"})
	aliceID := alice["id"].(string)

	key := a.must(http.StatusCreated, "POST", "/consumers/alice/key-auth", nil)
	if k, _ := key["key"].(string); len(k) != 32 || at(key, "consumer.id") != aliceID {
		t.Fatalf("generated key-auth: %v", key)
	}
	basic := a.must(http.StatusCreated, "POST", "/consumers/alice/basic-auth", url.Values{"username": {"alice"}, "password": {"s3cret"}})
	if basic["password"] == "s3cret" || basic["password"] != entity.HashBasicAuthPassword(aliceID, "s3cret") {
		t.Fatalf("basic-auth password not hashed as Kong does: %v", basic)
	}
	jwt := a.must(http.StatusCreated, "POST", "/consumers/alice/jwt", map[string]any{})
	if jwt["algorithm"] != "HS256" || jwt["secret"] == "" || jwt["key"] == "" {
		t.Fatalf("jwt credential defaults: %v", jwt)
	}
	acl := a.must(http.StatusCreated, "POST", "/consumers/alice/acls", map[string]any{"group": "admins"})

	runCases(t, a, []apiCase{
		{"consumer by custom_id", "GET", "/consumers/A-1", nil, 200, 0, []string{aliceID}},
		{"consumer needs a name", "POST", "/consumers", map[string]any{"tags": []string{"x"}}, 400, 2, []string{"custom_id", "username"}},
		{"duplicate username", "POST", "/consumers", map[string]any{"username": "bob"}, 409, 5, []string{"bob"}},
		{"key-auth by key, top-level", "GET", "/key-auths/" + key["key"].(string), nil, 200, 0, []string{aliceID}},
		{"key-auth listed under alice", "GET", "/consumers/alice/key-auth", nil, 200, 0, []string{key["id"].(string)}},
		{"alice's key is not bob's", "GET", "/consumers/bob/key-auth/" + key["id"].(string), nil, 404, 0, []string{"Not found"}},
		{"consumer of a key", "GET", "/key-auths/" + key["id"].(string) + "/consumer", nil, 200, 0, []string{`"username":"alice"`}},
		{"duplicate key", "POST", "/consumers/bob/key-auth", map[string]any{"key": key["key"]}, 409, 5, []string{"key"}},
		{"acl by group under its consumer", "GET", "/consumers/alice/acls/admins", nil, 200, 0, []string{acl["id"].(string)}},
		{"acl top-level needs a UUID", "GET", "/acls/admins", nil, 400, 1, []string{"invalid primary key", "expected a valid UUID"}},
		{"acls top-level list", "GET", "/acls", nil, 200, 0, []string{`"group":"admins"`}},
		{"jwt list", "GET", "/jwts", nil, 200, 0, []string{jwt["id"].(string)}},
		{"basic-auths list", "GET", "/basic-auths?tags=none", nil, 200, 0, []string{`"data":[]`}},
		{"PATCH basic-auth keeps its hash", "PATCH", "/basic-auths/" + basic["id"].(string), map[string]any{"tags": []string{"t"}}, 200, 0, []string{entity.HashBasicAuthPassword(aliceID, "s3cret")}},
		{"jwt with a bad algorithm", "POST", "/consumers/bob/jwt", map[string]any{"algorithm": "none"}, 400, 2, []string{"algorithm"}},
		{"PUT an acl by group under its consumer", "PUT", "/consumers/bob/acls/readers", map[string]any{"tags": []string{"t1"}}, 200, 0, []string{`"group":"readers"`, `"t1"`}},
		{"PUT it again replaces it", "PUT", "/consumers/bob/acls/readers", map[string]any{}, 200, 0, []string{`"group":"readers"`}},
		{"PUT a key-auth by key", "PUT", "/consumers/bob/key-auth/bob-key", nil, 200, 0, []string{`"key":"bob-key"`}},
		{"credential for an unknown consumer", "POST", "/consumers/carol/acls", map[string]any{"group": "x"}, 404, 0, []string{"Not found"}},
	})
	t.Run("PUT twice leaves one acl without the old tags", func(t *testing.T) {
		a := a.with(t)
		list := a.must(http.StatusOK, "GET", "/consumers/bob/acls", nil)["data"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["tags"] != nil {
			t.Fatalf("bob's acls after two PUTs: %v", list)
		}
	})
	t.Run("deleting a consumer deletes its credentials", func(t *testing.T) {
		a := a.with(t)
		a.must(http.StatusNoContent, "DELETE", "/consumers/alice", nil)
		a.must(http.StatusNotFound, "GET", "/key-auths/"+key["id"].(string), nil)
	})
}
