package admin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestBrowserGuards: an Admin API on loopback answers loopback Host values
// and those listed only (DNS rebinding), and refuses writes from another
// origin than its own or those listed (CSRF); requests without Origin,
// as curl and Kong's clients send them, pass.
func TestBrowserGuards(t *testing.T) {
	t.Parallel()
	h := New(Options{LoopbackOnly: true, AllowedHosts: []string{"admin.internal", "gw.example:9001"}, AllowedOrigins: []string{"https://ui.example.com"}})
	open := New(Options{AllowedOrigins: nil}) // listening beyond loopback: any Host
	tests := []struct {
		name                 string
		handler              http.Handler
		method, host, origin string
		forbidden            bool
		mentions             string
	}{
		{"curl on 127.0.0.1", h, "GET", "127.0.0.1:8001", "", false, ""},
		{"localhost", h, "GET", "localhost:8001", "", false, ""},
		{"a name under .localhost", h, "GET", "gantry.localhost", "", false, ""},
		{"IPv6 loopback", h, "GET", "[::1]:8001", "", false, ""},
		{"127.0.0.2", h, "GET", "127.0.0.2:8001", "", false, ""},
		{"a rebound name", h, "GET", "evil.example:8001", "", true, "admin_allowed_hosts"},
		{"a LAN address", h, "GET", "192.168.1.10:8001", "", true, "loopback only"},
		{"a listed host, any port", h, "GET", "admin.internal:8001", "", false, ""},
		{"a listed host:port", h, "GET", "gw.example:9001", "", false, ""},
		{"a listed host:port on another port", h, "GET", "gw.example:9002", "", true, "admin_allowed_hosts"},
		{"any Host beyond loopback", open, "GET", "evil.example", "", false, ""},
		{"a write without Origin", h, "POST", "localhost:8001", "", false, ""},
		{"a write from another origin", h, "POST", "localhost:8001", "http://evil.example", true, "admin_allowed_origins"},
		{"a delete from another origin", h, "DELETE", "localhost:8001", "http://evil.example", true, "cross-origin write refused"},
		{"a write from a sandboxed page", h, "PATCH", "localhost:8001", "null", true, "cross-origin"},
		{"a write from its own origin", h, "POST", "localhost:8001", "http://localhost:8001", false, ""},
		{"a write from a listed origin", h, "PUT", "localhost:8001", "https://UI.example.com", false, ""},
		{"a read from another origin", h, "GET", "localhost:8001", "http://evil.example", false, ""},
		{"a write from another origin beyond loopback", open, "POST", "gw.example", "http://evil.example", true, "admin_allowed_origins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/services", strings.NewReader(`{"name":"x","url":"http://example.com"}`))
			r.Host = tt.host
			r.Header.Set("Content-Type", "application/json")
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			w := httptest.NewRecorder()
			tt.handler.ServeHTTP(w, r)
			if got := w.Code == http.StatusForbidden; got != tt.forbidden || !strings.Contains(w.Body.String(), tt.mentions) {
				t.Fatalf("%s %s Host %s Origin %q: %d %s; want forbidden %v mentioning %q", tt.method, "/services", tt.host, tt.origin, w.Code, w.Body, tt.forbidden, tt.mentions)
			}
		})
	}
}

// TestExpectContinueOverTheLimit: a client announcing a body over the
// limit with "Expect: 100-continue" gets 413 at once, not "100 Continue"
// (and then a reset once it sends the body).
func TestExpectContinueOverTheLimit(t *testing.T) {
	t.Parallel()
	// A DB-less node: POST /config reads the whole body.
	srv := httptest.NewServer(New(Options{MaxBodySize: 1 << 20,
		ApplyConfig:   func(context.Context, entity.Valid) error { return nil },
		CurrentConfig: func() (*entity.Config, string) { return &entity.Config{}, "" }}))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /config HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 20<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "1 MiB") {
		t.Fatalf("answer to the announced body: %s %s; want 413 naming the limit", resp.Status, body)
	}
}
