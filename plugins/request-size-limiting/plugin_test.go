package requestsizelimiting_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/request-size-limiting"
)

func TestRequestSizeLimiting(t *testing.T) {
	t.Parallel()
	bytes10 := map[string]any{"allowed_payload_size": 10, "size_unit": "bytes"}
	tests := []struct {
		name    string
		conf    map[string]any
		method  string
		body    string
		chunked bool
		expect  bool
		status  int
		message string
	}{
		{name: "at the limit", conf: bytes10, body: strings.Repeat("a", 10), status: 200},
		{name: "over the limit", conf: bytes10, body: strings.Repeat("a", 11), status: 413, message: "Request size limit exceeded"},
		{name: "over the limit with expect", conf: bytes10, body: strings.Repeat("a", 11), expect: true, status: 417, message: "Request size limit exceeded"},
		{name: "chunked at the limit", conf: bytes10, body: strings.Repeat("b", 10), chunked: true, status: 200},
		{name: "chunked over the limit", conf: bytes10, body: strings.Repeat("b", 5000), chunked: true, status: 413, message: "Request size limit exceeded"},
		{name: "kilobytes", conf: map[string]any{"allowed_payload_size": 2, "size_unit": "kilobytes"}, body: strings.Repeat("c", 2049), status: 413, message: "Request size limit exceeded"},
		{name: "default 128 megabytes", body: strings.Repeat("d", 100000), status: 200},
		{name: "content length required", conf: map[string]any{"require_content_length": true}, body: "x", chunked: true, status: 411, message: "A valid Content-Length header is required"},
		{name: "content length required, no body", conf: map[string]any{"require_content_length": true}, method: "GET", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("request-size-limiting", tt.conf, plugintest.Scope{})))
			method := tt.method
			if method == "" {
				method = "POST" // most cases send a body
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				if tt.chunked {
					body = struct{ io.Reader }{body} // unknown length: sent chunked
				}
			}
			req := h.Request(t, method, "/", body)
			if tt.expect {
				req.Header.Set("Expect", "100-continue")
			}
			resp, got := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%.200s), want %d", resp.StatusCode, got, tt.status)
			}
			if tt.message != "" && plugintest.Message(got) != tt.message {
				t.Errorf("body = %s, want %q", got, tt.message)
			}
			if tt.status == http.StatusOK && plugintest.DecodeEcho(t, got).Body != tt.body {
				t.Errorf("upstream did not receive the whole body")
			}
		})
	}
}

func TestRequestSizeLimitingReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	for size, want := range map[int]int{1024: 200, 1025: 413} {
		if resp, _ := h.Do(t, h.Request(t, "POST", "/", strings.NewReader(strings.Repeat("x", size)))); resp.StatusCode != want {
			t.Errorf("%d bytes: status %d, want %d", size, resp.StatusCode, want)
		}
	}
}

func TestRequestSizeLimitingSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "request-size-limiting", map[string]plugintest.SchemaCase{
		"unit": {Config: map[string]any{"size_unit": "gigabytes"}, Field: "config.size_unit", Message: "expected one of: megabytes, kilobytes, bytes"},
		"size": {Config: map[string]any{"allowed_payload_size": -1}, Field: "config.allowed_payload_size"},
	})
}
