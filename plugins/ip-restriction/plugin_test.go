package iprestriction_test

import (
	"testing"

	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/ip-restriction"
)

func TestIPRestriction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		conf    map[string]any
		ip      string
		status  int
		message string
	}{
		{name: "allowed range", conf: map[string]any{"allow": []any{"10.0.0.0/8"}}, ip: "10.2.3.4", status: 200},
		{name: "outside allow", conf: map[string]any{"allow": []any{"10.0.0.0/8"}}, ip: "192.0.2.1", status: 403, message: "Your IP address is not allowed"},
		{name: "denied address", conf: map[string]any{"deny": []any{"192.0.2.1"}}, ip: "192.0.2.1", status: 403, message: "Your IP address is not allowed"},
		{name: "not denied", conf: map[string]any{"deny": []any{"192.0.2.1"}}, ip: "192.0.2.2", status: 200},
		{name: "deny wins over allow", conf: map[string]any{"allow": []any{"10.0.0.0/8"}, "deny": []any{"10.6.0.0/16"}}, ip: "10.6.1.1", status: 403, message: "Your IP address is not allowed"},
		{name: "ipv6 range", conf: map[string]any{"allow": []any{"2001:db8::/32"}}, ip: "2001:db8::5", status: 200},
		{name: "ipv4-mapped ipv6 client", conf: map[string]any{"allow": []any{"10.0.0.0/8"}}, ip: "::ffff:10.0.0.1", status: 200},
		{name: "custom status and message", conf: map[string]any{"deny": []any{"0.0.0.0/0"}, "status": 401, "message": "go away"}, ip: "8.8.8.8", status: 401, message: "go away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("ip-restriction", tt.conf, plugintest.Scope{})))
			req := h.Request(t, "GET", "/", nil)
			req.Header.Set(plugintest.ClientIPHeader, tt.ip)
			resp, body := h.Do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.message != "" && plugintest.Message(body) != tt.message {
				t.Errorf("body = %s, want %q", body, tt.message)
			}
		})
	}
}

func TestIPRestrictionReadmeExample(t *testing.T) {
	t.Parallel()
	h := plugintest.New(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	for ip, want := range map[string]int{"127.0.0.1": 200, "10.1.2.3": 200, "10.6.6.6": 403, "192.0.2.1": 403} {
		req := h.Request(t, "GET", "/", nil)
		req.Header.Set(plugintest.ClientIPHeader, ip)
		if resp, _ := h.Do(t, req); resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", ip, resp.StatusCode, want)
		}
	}
}

func TestIPRestrictionSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "ip-restriction", map[string]plugintest.SchemaCase{
		"neither":    {Config: map[string]any{}, Field: "config", Message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'"},
		"bad cidr":   {Config: map[string]any{"allow": []any{"10.0.0.0/8", "10.0.0.0/99"}}, Field: "config.allow[2]", Message: "invalid ip or cidr range: '10.0.0.0/99'"},
		"bad ip":     {Config: map[string]any{"deny": []any{"localhost"}}, Field: "config.deny[1]", Message: "invalid ip or cidr range: 'localhost'"},
		"bad status": {Config: map[string]any{"deny": []any{"::1"}, "status": 42}, Field: "config.status", Message: "value should be between 100 and 599"},
	})
}
