package testutil

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestGetReturnsStatusAndBody: what the server answered, status and body
// as sent, error statuses included.
func TestGetReturnsStatusAndBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout "+r.URL.Path)
	}))
	defer srv.Close()
	if code, body := Get(t, srv.URL+"/pot"); code != http.StatusTeapot || body != "short and stout /pot" {
		t.Fatalf("Get = %d %q, want 418 %q", code, body, "short and stout /pot")
	}
}
