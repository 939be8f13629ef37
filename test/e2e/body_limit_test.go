package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestProxyMaxBodySize checks the proxy_max_body_size setting reaches the
// proxy: a body over it gets Kong's 413 and never reaches the upstream, a
// body within it is proxied.
func TestProxyMaxBodySize(t *testing.T) {
	t.Parallel()
	up := newUpstream(t, "accepted", 0)
	n := startDBLess(t, declFile(t, routeTo(up.URL)), "GANTRY_PROXY_MAX_BODY_SIZE=1024")

	post := func(size int) (int, string) {
		t.Helper()
		resp, err := http.Post(n.ProxyURL()+"/upload", "application/octet-stream", strings.NewReader(strings.Repeat("x", size)))
		if err != nil {
			t.Fatalf("POST %d bytes: %v", size, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := post(1000); code != 200 || body != "accepted" {
		t.Fatalf("1000-byte body under a 1024-byte limit: %d %q, want 200 from the upstream", code, body)
	}
	if code, body := post(4096); code != 413 || !strings.Contains(body, "Payload too large") {
		t.Fatalf("4096-byte body over a 1024-byte limit: %d %q, want Kong's 413", code, body)
	}
}
