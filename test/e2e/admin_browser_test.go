package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAdminRefusesBrowserAttacks: a node whose Admin API listens on
// loopback (the default) refuses a write a web page of another origin
// sends (CSRF) and a request whose Host is a name of the attacker's (DNS
// rebinding), while curl-like clients and listed origins keep working.
func TestAdminRefusesBrowserAttacks(t *testing.T) {
	t.Parallel()
	n := startTraditional(t, "GANTRY_ADMIN_ALLOWED_ORIGINS=https://ui.example.com")
	admin := n.AdminURL()
	do := func(method, path, host, origin, body string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, admin+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	svc := func(name string) string { return `{"name":"` + name + `","url":"http://127.0.0.1:1"}` }
	if code, body := do("POST", "/services", "", "http://evil.example", svc("csrf")); code != 403 || !strings.Contains(body, "admin_allowed_origins") {
		t.Fatalf("a cross-origin write: %d %s; want 403 naming admin_allowed_origins", code, body)
	}
	if code, body := do("GET", "/services/csrf", "", "", ""); code != 404 {
		t.Fatalf("the refused write created the service: %d %s", code, body)
	}
	if code, body := do("GET", "/", "evil.example:8001", "", ""); code != 403 || !strings.Contains(body, "admin_allowed_hosts") {
		t.Fatalf("a rebound Host: %d %s; want 403 naming admin_allowed_hosts", code, body)
	}
	if code, body := do("POST", "/services", "", "", svc("curl")); code != 201 {
		t.Fatalf("a write without Origin (curl): %d %s", code, body)
	}
	if code, body := do("POST", "/services", "", "https://ui.example.com", svc("listed")); code != 201 {
		t.Fatalf("a write from a listed origin: %d %s", code, body)
	}
	if code, body := do("GET", "/", "localhost", "", ""); code != 200 {
		t.Fatalf("Host localhost: %d %s", code, body)
	}
}
