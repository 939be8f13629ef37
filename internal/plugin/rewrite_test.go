package plugin_test

import (
	"reflect"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

func TestRewritePhaseRunsGlobalInstancesOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		plugins []*entity.Plugin
		status  int
		want    []string // X-Rewrite values upstream
	}{
		{name: "global instance runs", plugins: []*entity.Plugin{
			plugintest.Plugin("test-rewrite", map[string]any{"value": "global"}, plugintest.Scope{}),
		}, status: 200, want: []string{"global"}},
		{name: "route instance does not replace the global one before routing", plugins: []*entity.Plugin{
			plugintest.Plugin("test-rewrite", map[string]any{"value": "global"}, plugintest.Scope{}),
			plugintest.Plugin("test-rewrite", map[string]any{"value": "route"}, plugintest.Scope{Route: "r"}),
		}, status: 200, want: []string{"global"}},
		{name: "route-only instance has no rewrite phase", plugins: []*entity.Plugin{
			plugintest.Plugin("test-rewrite", map[string]any{"value": "route"}, plugintest.Scope{Route: "r"}),
		}, status: 200},
		{name: "a stop in rewrite skips access", plugins: []*entity.Plugin{
			plugintest.Plugin("test-rewrite", map[string]any{"value": "stop"}, plugintest.Scope{}),
			plugintest.Plugin("test-tag", nil, plugintest.Scope{}),
		}, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := plugintest.New(t, plugintest.Basic(tt.plugins...))
			resp, body := h.Do(t, h.Request(t, "", "", nil))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status != 200 {
				// test-tag's access never ran, but as a selected plugin
				// its response header (set in access) must be absent.
				if resp.Header.Get("X-Tag") != "" || plugintest.Message(body) != "stopped in rewrite" {
					t.Errorf("got %v %s", resp.Header, body)
				}
				return
			}
			if got := plugintest.DecodeEcho(t, body).Headers.Values("X-Rewrite"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("X-Rewrite upstream = %q, want %q", got, tt.want)
			}
		})
	}
}
