package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// echoed is what the echo upstream saw of a proxied request.
type echoed struct {
	Path  string `json:"path"` // escaped, as it arrived
	Query string `json:"query"`
	Host  string `json:"host"`
}

// newEchoUpstream is a real HTTP server on loopback that answers every
// request with what it received, so a test sees the proxy's rewriting.
func newEchoUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Host: r.Host})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// request sends method url through client with the Host header host ("" for
// the URL's) and header pairs; it returns the status and the body.
func request(t *testing.T, client *http.Client, method, url, host string, header ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %q): %v", method, url, host, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// routedTo decodes an echo answer and names the route that served it: each
// route in these tests has its own service whose path is "/s-<route name>".
func routedTo(t *testing.T, body string) (route string, e echoed) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an echo answer: %q", body)
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(e.Path, "/"), "/")
	return strings.TrimPrefix(first, "s-"), e
}

// routeSpec is one route of a generated declarative file: its name and its
// YAML fields (one per line, without indentation).
type routeSpec struct {
	name   string
	fields []string
}

// servicePerRoute writes a declarative document giving each route its own
// service at upURL + "/s-<route name>", plus extra top-level YAML.
func servicePerRoute(upURL string, routes []routeSpec, extra string) string {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\n" + extra + "services:\n")
	for _, r := range routes {
		fmt.Fprintf(&b, "- name: s-%s\n  url: %s/s-%s\n  routes:\n  - name: %s\n", r.name, upURL, r.name, r.name)
		for _, f := range r.fields {
			b.WriteString("    " + f + "\n")
		}
	}
	return b.String()
}

// indent prefixes every line of s with n spaces (for YAML block scalars).
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}
