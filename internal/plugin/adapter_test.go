package plugin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

func TestRouteChainBuilderBuildsOncePerConfig(t *testing.T) {
	t.Parallel()
	b := plugin.NewRouteChainBuilder(plugin.Bundled(nil))
	cfg := scopingConfig([]scoped{{scope: plugintest.Scope{Route: "r1"}}})
	c1, err := b.Build(cfg, cfg.Routes[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := b.Chains(cfg)
	r1, r2 := all.Route(plugintest.ID("r1")), all.Route(plugintest.ID("r2"))
	if r1 != c1 || c1.Len() != 2 || r2.Len() != 1 {
		t.Errorf("chains not from one build: r1 len %d, r2 len %d", c1.Len(), r2.Len())
	}
	next := scopingConfig(nil)
	c2, _ := b.Build(next, next.Routes[0], nil)
	if c2 == c1 || c2.Len() != 1 {
		t.Errorf("a new config must be rebuilt: len %d", c2.Len())
	}
	bad := plugintest.Basic(plugintest.Plugin("test-tag", map[string]any{"limit": "x"}, plugintest.Scope{}))
	if _, err := b.Build(bad, bad.Routes[0], nil); err == nil || !strings.Contains(err.Error(), "config.limit") {
		t.Errorf("err = %v, want the config error", err)
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	s, ok := reg.Schema("test-auth")
	if !ok {
		t.Fatal("no schema for test-auth")
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `{"consumer":{"eq":null,"reference":"consumers","type":"foreign"}}`) {
		t.Errorf("auth plugin schema does not forbid consumers: %s", b)
	}
	s, _ = reg.Schema("test-tag")
	b, _ = json.Marshal(s)
	for _, want := range []string{
		`{"value":{"default":"default","type":"string"}}`,
		`{"limit":{"default":5,"type":"integer"}}`,
		`{"list":{"elements":{"type":"string"},"type":"array"}}`,
		`{"nested":{"fields":[{"flag":{"default":false,"type":"boolean"}}],"type":"record"}}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s: %s", want, b)
		}
	}
	if _, ok := reg.Schema("nope"); ok {
		t.Error("schema of an unknown plugin")
	}
}
