package requesttermination_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/request-termination"
)

func TestRequestTermination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		conf        map[string]any
		path        string
		header      string
		status      int
		body        string // exact body; "" skips
		message     string
		contentType string
	}{
		{name: "defaults", status: 503, message: "Service unavailable", contentType: "application/json; charset=utf-8"},
		{name: "status and message", conf: map[string]any{"status_code": 418, "message": "teapot"}, status: 418, message: "teapot"},
		{name: "raw body with content type", conf: map[string]any{"status_code": 200, "body": "<h1>down</h1>", "content_type": "text/html"},
			status: 200, body: "<h1>down</h1>", contentType: "text/html"},
		{name: "trigger absent passes", conf: map[string]any{"trigger": "x-stop"}, status: 200},
		{name: "trigger header", conf: map[string]any{"trigger": "x-stop"}, header: "x-stop", status: 503, message: "Service unavailable"},
		{name: "trigger query", conf: map[string]any{"trigger": "x-stop"}, path: "/?x-stop=1", status: 503, message: "Service unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("request-termination", tt.conf, plugintest.Scope{})))
			req := h.Request(t, "GET", tt.path, nil)
			if tt.header != "" {
				req.Header.Set(tt.header, "1")
			}
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 200 && tt.body == "" {
				plugintest.DecodeEcho(t, body) // reached the upstream
				return
			}
			if resp.Header.Get("X-Upstream") != "" {
				t.Error("the upstream was called")
			}
			if tt.message != "" && plugintest.Message(body) != tt.message {
				t.Errorf("body = %s, want message %q", body, tt.message)
			}
			if tt.body != "" && string(body) != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
		})
	}
}

func TestRequestTerminationEcho(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("request-termination", map[string]any{"echo": true, "status_code": 404}, plugintest.Scope{})))
	req := h.Request(t, "POST", "/some/path?a=b", strings.NewReader("hello"))
	req.Header.Set("X-Mine", "v")
	resp, body := h.Do(t, req)
	var got struct {
		Message string `json:"message"`
		Request struct {
			Method, Path, RawBody string
			Headers               http.Header
			Query                 map[string][]string
		} `json:"request"`
		MatchedRoute struct{ ID string } `json:"matched_route"`
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 404 {
		t.Fatalf("got %d %s (%v)", resp.StatusCode, body, err)
	}
	r := got.Request
	if got.Message != "Not found" || r.Method != "POST" || r.Path != "/some/path" || r.Headers.Get("X-Mine") != "v" ||
		r.Query["a"][0] != "b" || got.MatchedRoute.ID != plugintest.ID("r") {
		t.Errorf("echo = %s", body)
	}
	if !strings.Contains(string(body), `"raw_body":"hello"`) {
		t.Errorf("echo lacks the body: %s", body)
	}
}

func TestRequestTerminationReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
	if resp.StatusCode != 403 || plugintest.Message(body) != "So long and thanks for all the fish!" {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}

func TestRequestTerminationSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "request-termination", map[string]plugintest.SchemaCase{
		"status too high":         {Config: map[string]any{"status_code": 600}, Field: "config.status_code"},
		"message with body":       {Config: map[string]any{"message": "a", "body": "b"}, Field: "config", Message: "message cannot be used with content_type or body"},
		"content_type alone":      {Config: map[string]any{"content_type": "text/plain"}, Field: "config", Message: "content_type requires a body"},
		"echo with body":          {Config: map[string]any{"echo": true, "body": "b"}, Field: "config", Message: "echo cannot be used with content_type and body"},
		"status code not integer": {Config: map[string]any{"status_code": 403.5}, Field: "config.status_code", Message: "expected an integer"},
	})
}
