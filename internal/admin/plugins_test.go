package admin

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
)

func TestPlugins(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	a := newTestAPI(t, func(o *Options) {
		o.ValidatePlugin = reg.Normalize
		o.PluginSchema = reg.Schema
		o.Node.Plugins = map[string]PluginInfo{"key-auth": {Version: "3.9.0", Priority: 1250}}
	})
	a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": "svc", "host": "svc.internal"})
	a.must(http.StatusCreated, "POST", "/services/svc/routes", map[string]any{"name": "rt", "paths": []string{"/"}})
	a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": "carol"})

	global := a.must(http.StatusCreated, "POST", "/plugins", map[string]any{"name": "key-auth"})
	if at(global, "config.key_names") == nil {
		t.Fatalf("plugin defaults not filled by the registry: %v", global)
	}
	scoped := a.must(http.StatusCreated, "POST", "/services/svc/plugins", url.Values{
		"name": {"key-auth"}, "config.key_names[]": {"apikey", "x-key"}, "config.hide_credentials": {"true"},
	})
	if at(scoped, "config.hide_credentials") != true || len(at(scoped, "config.key_names").([]any)) != 2 || at(scoped, "service.id") == nil {
		t.Fatalf("service plugin from a form: %v", scoped)
	}

	runCases(t, a, []apiCase{
		{"unknown plugin", "POST", "/plugins", map[string]any{"name": "no-such-plugin"}, 400, 2, []string{`"name"`, "no-such-plugin"}},
		{"bad config names the config field", "POST", "/routes/rt/plugins", map[string]any{"name": "key-auth", "config": map[string]any{"hide_credentials": "yes"}}, 400, 2, []string{"hide_credentials"}},
		{"config must be an object", "POST", "/plugins", map[string]any{"name": "key-auth", "config": "x"}, 400, 2, []string{`"config":"expected a record"`}},
		{"same plugin twice on one service", "POST", "/services/svc/plugins", map[string]any{"name": "key-auth"}, 409, 5, nil},
		{"plugins of the service", "GET", "/services/svc/plugins", nil, 200, 0, []string{scoped["id"].(string)}},
		{"service of the plugin", "GET", "/plugins/" + scoped["id"].(string) + "/service", nil, 200, 0, []string{`"name":"svc"`}},
		{"global plugin has no service", "GET", "/plugins/" + global["id"].(string) + "/service", nil, 404, 0, []string{"Not found"}},
		{"consumer plugin", "POST", "/consumers/carol/plugins", map[string]any{"name": "key-auth"}, 400, 2, []string{"consumer"}},
		{"PATCH config merges", "PATCH", "/plugins/" + scoped["id"].(string), map[string]any{"config": map[string]any{"run_on_preflight": false}}, 200, 0, []string{`"run_on_preflight":false`, `"hide_credentials":true`}},
		{"plugins enabled on the node", "GET", "/plugins/enabled", nil, 200, 0, []string{`"enabled_plugins":["key-auth"]`}},
		{"node info lists configured plugins", "GET", "/", nil, 200, 0, []string{`"enabled_in_cluster":["key-auth"]`, `"available_on_server":{"key-auth":{"version":"3.9.0","priority":1250}}`}},
		{"plugin schema", "GET", "/schemas/plugins/key-auth", nil, 200, 0, []string{`"config"`, `"key_names"`}},
		{"unknown plugin schema", "GET", "/schemas/plugins/nope", nil, 404, 0, []string{"No plugin named 'nope'"}},
		{"form config typed by the plugin schema", "POST", "/routes/rt/plugins", url.Values{"name": {"key-auth"}, "config.key_names": {"apikey"}, "config.key_in_body": {"true"}}, 201, 0, []string{`"key_names":["apikey"]`, `"key_in_body":true`}},
		{"form PATCH typed by the stored plugin's schema", "PATCH", "/plugins/" + global["id"].(string), url.Values{"config.key_names": {"123"}}, 200, 0, []string{`"key_names":["123"]`}},
		{"validate a plugin without storing it", "POST", "/schemas/plugins/validate", map[string]any{"name": "key-auth", "config": map[string]any{"key_names": []string{"k"}}}, 200, 0, []string{"schema validation successful"}},
		{"validate reports plugin errors", "POST", "/schemas/plugins/validate", map[string]any{"name": "nope"}, 400, 2, []string{"nope"}},
	})
	t.Run("deleting the route's service is refused, deleting the route drops its plugins", func(t *testing.T) {
		a := a.with(t)
		a.must(http.StatusCreated, "POST", "/services/svc/routes", map[string]any{"name": "rt2", "paths": []string{"/2"}})
		rp := a.must(http.StatusCreated, "POST", "/routes/rt2/plugins", map[string]any{"name": "key-auth"})
		wantError(t, a.do("DELETE", "/services/svc", nil), http.StatusBadRequest, 4, "routes")
		a.must(http.StatusNoContent, "DELETE", "/routes/rt2", nil)
		a.must(http.StatusNotFound, "GET", "/plugins/"+rp["id"].(string), nil)
	})
}
