package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// admin sends one Admin API request with a JSON body (none when body is
// nil) and returns the status and the body; a transport error fails t.
func admin(t *testing.T, method, url string, body any) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// mustAdmin is admin that fails t unless the status is want.
func mustAdmin(t *testing.T, want int, method, url string, body any) string {
	t.Helper()
	code, out := admin(t, method, url, body)
	if code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, url, code, out, want)
	}
	return out
}

// gantryWith runs a short gantry command with environ and returns its exit
// code and combined output.
func gantryWith(t *testing.T, environ []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = environ
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("gantry %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}
