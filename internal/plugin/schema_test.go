package plugin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
)

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
