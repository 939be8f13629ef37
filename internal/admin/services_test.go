package admin

import (
	"net/http"
	"net/url"
	"testing"
)

func TestServiceCRUD(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)

	created := a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "billing", "url": "https://billing.internal:8443/v1"})
	id, _ := created["id"].(string)
	if !isUUID(id) || created["host"] != "billing.internal" || jsonInt(created["port"]) != 8443 || created["path"] != "/v1" || created["protocol"] != "https" {
		t.Fatalf("created service: %v", created)
	}
	if jsonInt(created["retries"]) != 5 || created["enabled"] != true {
		t.Fatalf("defaults not applied: %v", created)
	}

	t.Run("get by id and by name", func(t *testing.T) {
		a := a.with(t)
		for _, key := range []string{id, "billing"} {
			got := a.must(http.StatusOK, "GET", "/services/"+key, nil)
			if got["id"] != id {
				t.Fatalf("GET /services/%s: %v", key, got)
			}
		}
	})
	t.Run("unknown name is Kong's 404", func(t *testing.T) {
		a := a.with(t)
		r := a.do("GET", "/services/nope", nil)
		wantError(t, r, http.StatusNotFound, 0, `"message":"Not found"`)
	})
	t.Run("duplicate name is 409", func(t *testing.T) {
		a := a.with(t)
		r := a.do("POST", "/services", map[string]any{"name": "billing", "host": "x.internal"})
		wantError(t, r, http.StatusConflict, 5, "unique constraint violation", `"name":"billing"`)
	})
	t.Run("schema violation names the field", func(t *testing.T) {
		a := a.with(t)
		r := a.do("POST", "/services", map[string]any{"host": "x.internal", "port": "eighty"})
		wantError(t, r, http.StatusBadRequest, 2, `"port":"expected an integer"`)
		r = a.do("POST", "/services", map[string]any{"host": "x.internal", "hots": "y"})
		wantError(t, r, http.StatusBadRequest, 2, `"hots":"unknown field"`)
		r = a.do("POST", "/services", map[string]any{"host": "x.internal", "retries": -1})
		wantError(t, r, http.StatusBadRequest, 2, `"retries"`)
	})
	t.Run("PATCH merges over the stored service", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusOK, "PATCH", "/services/billing", map[string]any{"retries": 2, "tags": []string{"team-a"}})
		if jsonInt(got["retries"]) != 2 || got["host"] != "billing.internal" || jsonInt(got["port"]) != 8443 {
			t.Fatalf("PATCH result: %v", got)
		}
		again := a.must(http.StatusOK, "GET", "/services/"+id, nil)
		if jsonInt(again["retries"]) != 2 || again["path"] != "/v1" {
			t.Fatalf("stored after PATCH: %v", again)
		}
	})
	t.Run("PATCH revalidates the whole entity", func(t *testing.T) {
		a := a.with(t)
		r := a.do("PATCH", "/services/billing", map[string]any{"protocol": "gopher"})
		wantError(t, r, http.StatusBadRequest, 2, `"protocol"`)
		r = a.do("PATCH", "/services/nope", map[string]any{"retries": 1})
		wantError(t, r, http.StatusNotFound, 0, "Not found")
	})
	t.Run("PUT by name creates with that name", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusOK, "PUT", "/services/orders", map[string]any{"host": "orders.internal"})
		if got["name"] != "orders" || !isUUID(got["id"].(string)) {
			t.Fatalf("PUT created: %v", got)
		}
	})
	t.Run("PUT replaces: omitted fields return to defaults", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusOK, "PUT", "/services/"+id, map[string]any{"name": "billing", "host": "billing2.internal"})
		if got["id"] != id || jsonInt(got["retries"]) != 5 || jsonInt(got["port"]) != 80 || got["path"] != nil {
			t.Fatalf("PUT replace: %v", got)
		}
		if got["created_at"] != created["created_at"] {
			t.Fatalf("PUT changed created_at: %v -> %v", created["created_at"], got["created_at"])
		}
	})
	t.Run("form body", func(t *testing.T) {
		a := a.with(t)
		got := a.must(http.StatusCreated, "POST", "/services", url.Values{
			"name": {"formed"}, "host": {"form.internal"}, "port": {"8080"}, "tags[]": {"a", "b"}, "enabled": {"false"},
		})
		if jsonInt(got["port"]) != 8080 || got["enabled"] != false || len(got["tags"].([]any)) != 2 {
			t.Fatalf("form-created service: %v", got)
		}
	})
	t.Run("references that name nothing", func(t *testing.T) {
		a := a.with(t)
		r := a.do("POST", "/services", map[string]any{"host": "x.internal", "protocol": "https", "ca_certificates": []string{"6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11"}})
		wantError(t, r, http.StatusBadRequest, 4, "ca_certificates")
		r = a.do("POST", "/services", map[string]any{"host": "x.internal", "protocol": "https", "client_certificate": map[string]any{"id": "6f0c7f6a-3c5e-4f33-9d7b-2a0f0e5b7c11"}})
		wantError(t, r, http.StatusBadRequest, 4, "'certificates'")
	})
	t.Run("DELETE, then DELETE again", func(t *testing.T) {
		a := a.with(t)
		a.must(http.StatusNoContent, "DELETE", "/services/orders", nil)
		a.must(http.StatusNotFound, "GET", "/services/orders", nil)
		a.must(http.StatusNoContent, "DELETE", "/services/orders", nil)
	})
}
