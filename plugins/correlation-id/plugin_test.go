package correlationid_test

import (
	"regexp"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/correlation-id"
)

func TestCorrelationID(t *testing.T) {
	t.Parallel()
	const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	tests := []struct {
		name     string
		conf     map[string]any
		header   string
		sent     string // id sent by the client
		pattern  string
		echoed   bool
		distinct bool // two requests get different ids
	}{
		{name: "default uuid#counter", header: "Gantry-Request-ID", pattern: `^` + uuidRE + `#\d+$`, distinct: true},
		{name: "uuid echoed", conf: map[string]any{"generator": "uuid", "echo_downstream": true}, header: "Gantry-Request-ID", pattern: `^` + uuidRE + `$`, echoed: true, distinct: true},
		{name: "tracker", conf: map[string]any{"generator": "tracker", "header_name": "X-Trace"}, header: "X-Trace", pattern: `^127\.0\.0\.1-\d+-\d+-\d+\.\d{3}$`, distinct: true},
		{name: "client id kept", conf: map[string]any{"echo_downstream": true}, header: "Gantry-Request-ID", sent: "abc", pattern: `^abc$`, echoed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("correlation-id", tt.conf, plugintest.Scope{})))
			var ids []string
			for range 2 {
				req := h.Request(t, "GET", "/", nil)
				if tt.sent != "" {
					req.Header.Set(tt.header, tt.sent)
				}
				resp, body := h.Do(t, req)
				id := plugintest.DecodeEcho(t, body).Headers.Get(tt.header)
				if !regexp.MustCompile(tt.pattern).MatchString(id) {
					t.Fatalf("upstream %s = %q, want %s", tt.header, id, tt.pattern)
				}
				if got := resp.Header.Get(tt.header); (got == id) != tt.echoed {
					t.Errorf("response %s = %q, echoed want %v", tt.header, got, tt.echoed)
				}
				ids = append(ids, id)
			}
			if (ids[0] != ids[1]) != tt.distinct {
				t.Errorf("ids %q, distinct want %v", ids, tt.distinct)
			}
		})
	}
}

func TestCorrelationIDReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	resp, body := h.Do(t, h.Request(t, "GET", "/", nil))
	if id := plugintest.DecodeEcho(t, body).Headers.Get("X-Request-ID"); id == "" || resp.Header.Get("X-Request-ID") != id {
		t.Errorf("upstream id %q, response id %q", id, resp.Header.Get("X-Request-ID"))
	}
}

func TestCorrelationIDSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "correlation-id", map[string]plugintest.SchemaCase{
		"generator":   {Config: map[string]any{"generator": "random"}, Field: "config.generator", Message: "expected one of: uuid, uuid#counter, tracker"},
		"header name": {Config: map[string]any{"header_name": "bad header"}, Field: "config.header_name"},
	})
}
