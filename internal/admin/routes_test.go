package admin

import (
	"net/http"
	"net/url"
	"testing"
)

func TestRoutesAndReferences(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	svc := a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "users", "host": "users.internal"})
	other := a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "other", "host": "other.internal"})
	svcID := svc["id"].(string)

	nested := a.must(http.StatusCreated, "POST", "/services/users/routes", map[string]any{"name": "r1", "paths": []string{"/users"}})
	if at(nested, "service.id") != svcID {
		t.Fatalf("nested route not attached to its service: %v", nested)
	}

	runCases(t, a, []apiCase{
		{"route by service name resolves", "POST", "/routes", map[string]any{"name": "r2", "hosts": []string{"a.example"}, "service": map[string]any{"name": "users"}}, 201, 0, []string{svcID}},
		{"route with service.id as name resolves", "POST", "/routes", map[string]any{"name": "r3", "methods": []string{"GET"}, "service": map[string]any{"id": "other"}}, 201, 0, []string{other["id"].(string)}},
		{"dangling service id", "POST", "/routes", map[string]any{"paths": []string{"/x"}, "service": map[string]any{"id": "6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11"}}, 400, 4, []string{"foreign key violation", "does not reference an existing 'services' entity", `"service":{"id":"6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11"}`}},
		{"dangling service name", "POST", "/routes", map[string]any{"paths": []string{"/x"}, "service": map[string]any{"name": "ghost"}}, 400, 4, []string{"ghost", "services"}},
		{"service reference must be an object", "POST", "/routes", map[string]any{"paths": []string{"/x"}, "service": "users"}, 400, 2, []string{`"service":"expected a record"`}},
		{"route needs a matching attribute", "POST", "/routes", map[string]any{"name": "empty"}, 400, 2, []string{"schema violation"}},
		{"bad element type names the index", "POST", "/routes", map[string]any{"paths": []any{"/ok", 5}}, 400, 2, []string{`"paths[1]":"expected a string"`}},
		{"route of the service, nested", "GET", "/services/users/routes/r1", nil, 200, 0, []string{`"name":"r1"`}},
		{"route of another service is not found", "GET", "/services/other/routes/r1", nil, 404, 0, []string{"Not found"}},
		{"nested under unknown service", "GET", "/services/ghost/routes", nil, 404, 0, []string{"Not found"}},
		{"service of a route", "GET", "/routes/r1/service", nil, 200, 0, []string{`"name":"users"`}},
		{"PATCH the service through the route", "PATCH", "/routes/r1/service", map[string]any{"retries": 3}, 200, 0, []string{`"retries":3`}},
		{"DELETE through the route is refused", "DELETE", "/routes/r1/service", nil, 405, 0, []string{"Method not allowed"}},
		{"deleting a service with routes is refused", "DELETE", "/services/users", nil, 400, 4, []string{"an existing 'routes' entity references this 'services' entity", "@referenced_by"}},
		{"PATCH moves a route by service name", "PATCH", "/routes/r1", map[string]any{"service": map[string]any{"name": "other"}}, 200, 0, []string{other["id"].(string)}},
		{"form body with Kong conventions", "POST", "/services/users/routes", url.Values{"name": {"formed"}, "paths[]": {"/a", "/b"}, "methods": {"GET", "POST"}, "hosts": {"one.example"}, "headers.x-env[]": {"prod"}, "strip_path": {"false"}, "regex_priority": {"7"}}, 201, 0, []string{`"paths":["/a","/b"]`, `"methods":["GET","POST"]`, `"hosts":["one.example"]`, `"x-env":["prod"]`, `"strip_path":false`, `"regex_priority":7`}},
		{"form reference", "POST", "/routes", url.Values{"paths": {"/f"}, "service.name": {"users"}}, 201, 0, []string{svcID}},
		{"indexed form arrays keep index order", "POST", "/routes", url.Values{"hosts[2]": {"b.example"}, "hosts[1]": {"a.example"}, "hosts[10]": {"c.example"}}, 201, 0, []string{`"hosts":["a.example","b.example","c.example"]`}},
		{"PATCH null restores the default", "PATCH", "/routes/r1", map[string]any{"protocols": nil, "strip_path": nil}, 200, 0, []string{`"protocols":["http","https"]`, `"strip_path":true`}},
		{"PATCH null unsets the service", "PATCH", "/routes/r3", map[string]any{"service": nil}, 200, 0, []string{`"name":"r3"`}},
		{"grpc route defaults strip_path to false", "POST", "/routes", map[string]any{"name": "g1", "protocols": []string{"grpc"}, "paths": []string{"/pkg.Greeter/"}}, 201, 0, []string{`"strip_path":false`}},
		{"grpc route refuses strip_path true", "POST", "/routes", map[string]any{"protocols": []string{"grpc"}, "paths": []string{"/pkg.Greeter/"}, "strip_path": true}, 400, 2, []string{"strip_path"}},
		{"route without service has no service endpoint", "GET", "/routes/r3/service", nil, 404, 0, []string{"Not found"}},
	})

	t.Run("nested list only holds the service's routes", func(t *testing.T) {
		a := a.with(t)
		list := a.must(http.StatusOK, "GET", "/services/users/routes", nil)
		for _, r := range list["data"].([]any) {
			if at(r.(map[string]any), "service.id") != svcID {
				t.Fatalf("foreign route in nested list: %v", r)
			}
		}
		if n := len(list["data"].([]any)); n != 3 {
			t.Fatalf("users has %d routes, want 3 (r2, formed, form reference): %v", n, list)
		}
	})
	t.Run("PUT nested creates the route under the service", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusOK, "PUT", "/services/users/routes/put-route", map[string]any{"paths": []string{"/p"}})
		if got["name"] != "put-route" || at(got, "service.id") != svcID {
			t.Fatalf("PUT nested: %v", got)
		}
	})
	t.Run("PUT the service of a route without one creates and attaches it", func(t *testing.T) {
		a := a.with(t)
		lone := a.must(http.StatusCreated, "POST", "/routes", map[string]any{"name": "lone", "paths": []string{"/lone"}})
		svc := a.must(http.StatusOK, "PUT", "/routes/lone/service", map[string]any{"name": "attached", "host": "att.internal"})
		route := a.must(http.StatusOK, "GET", "/routes/"+lone["id"].(string), nil)
		if at(route, "service.id") != svc["id"] {
			t.Fatalf("route not attached to the new service: %v", route)
		}
	})
	t.Run("escaped names in paths", func(t *testing.T) {
		a := a.with(t)
		a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": "eve@example.com/ops"})
		got := a.must(http.StatusOK, "GET", "/consumers/"+url.PathEscape("eve@example.com/ops"), nil)
		if got["username"] != "eve@example.com/ops" {
			t.Fatalf("escaped lookup: %v", got)
		}
	})
	t.Run("HEAD answers like GET without a body", func(t *testing.T) {
		r := a.with(t).do("HEAD", "/services/users", nil)
		if r.Status != http.StatusOK || len(r.Raw) != 0 {
			t.Fatalf("HEAD: %d %q", r.Status, r.Raw)
		}
	})
}
