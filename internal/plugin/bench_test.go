package plugin_test

import (
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// BenchmarkBuildChains builds the chains of a large config: 10,000 routes
// over 1,000 services, a plugin on every tenth route and every service,
// 1,000 consumer-scoped instances and two global ones. This is the
// plugin share of a config apply; it never runs per request.
func BenchmarkBuildChains(b *testing.B) {
	cfg := &entity.Config{}
	for i := range 1000 {
		id := "s" + strconv.Itoa(i)
		cfg.Services = append(cfg.Services, plugintest.Service(id))
		cfg.Plugins = append(cfg.Plugins, plugintest.Plugin("test-tag", map[string]any{"value": id}, plugintest.Scope{Service: id}))
		c := "c" + strconv.Itoa(i)
		cfg.Consumers = append(cfg.Consumers, plugintest.Consumer(c, "user"+strconv.Itoa(i)))
		cfg.Plugins = append(cfg.Plugins, plugintest.Plugin("test-early", map[string]any{"value": c}, plugintest.Scope{Consumer: c}))
	}
	for i := range 10000 {
		id := "r" + strconv.Itoa(i)
		cfg.Routes = append(cfg.Routes, plugintest.Route(id, "s"+strconv.Itoa(i%1000), "/"+id))
		if i%10 == 0 {
			cfg.Plugins = append(cfg.Plugins, plugintest.Plugin("test-tag", map[string]any{"value": id}, plugintest.Scope{Route: id}))
		}
	}
	cfg.Plugins = append(cfg.Plugins,
		plugintest.Plugin("test-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("test-early", nil, plugintest.Scope{}))
	reg := plugin.Bundled(nil)
	b.ReportAllocs()
	for b.Loop() {
		cs, err := reg.BuildChains(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if cs.Route(plugintest.ID("r0")).Len() != 3 {
			b.Fatalf("r0 chain has %d plugins, want 3", cs.Route(plugintest.ID("r0")).Len())
		}
	}
}
