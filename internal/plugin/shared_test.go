package plugin_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// shared is the plugin whose instances keep a value in plugin.Shared.
var shared = plugintest.RegisterProbe("test-shared")

func closes(t *testing.T, key string) int {
	t.Helper()
	n, ok := shared.Closes(key)
	if !ok {
		t.Fatalf("no value was made for %s", key)
	}
	return n
}

// TestSharedStateLivesWhileChainsUseIt: a value is kept, not remade, while
// any chains hold it, closed once when the last release, and kept until
// Registry.Close when taken outside a build.
func TestSharedStateLivesWhileChainsUseIt(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	build := func(plugins ...*entity.Plugin) *plugin.Chains {
		t.Helper()
		cs, err := reg.BuildChains(plugintest.Basic(plugins...))
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	instance := func(key string) *entity.Plugin {
		return plugintest.Plugin("test-shared", map[string]any{"key": key}, plugintest.Scope{})
	}

	t.Run("held by two chains", func(t *testing.T) {
		key := uuid.NewString()
		first, second := build(instance(key)), build(instance(key))
		second.Acquire() // a snapshot reusing the chains of the one before
		first.Release()
		second.Release()
		if n := closes(t, key); n != 0 {
			t.Fatalf("closed %d times while chains still hold it", n)
		}
		second.Release()
		second.Release() // one release too many changes nothing
		if n := closes(t, key); n != 1 {
			t.Errorf("closed %d times after the last release, want once", n)
		}
		third := build(instance(key))
		defer third.Release()
		if closes(t, key) != 0 {
			t.Error("chains built after the release got the closed value")
		}
	})
	t.Run("taken outside a build", func(t *testing.T) {
		key := uuid.NewString()
		reg.Shared().Get(key, shared.Value(key))
		build(instance(key)).Release()
		if n := closes(t, key); n != 0 {
			t.Fatalf("a value the node took was closed with the chains (%d times)", n)
		}
	})
	t.Run("failed build", func(t *testing.T) {
		key := uuid.NewString()
		_, err := reg.BuildChains(plugintest.Basic(instance(key), plugintest.Plugin("not-loaded", nil, plugintest.Scope{})))
		if err == nil {
			t.Fatal("a config with an unknown plugin built")
		}
		if n := closes(t, key); n != 1 {
			t.Errorf("what a failed build took was closed %d times, want once", n)
		}
	})
}

func TestRegistryCloseStopsEverything(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	held, pinned := uuid.NewString(), uuid.NewString()
	cs, err := reg.BuildChains(plugintest.Basic(plugintest.Plugin("test-shared", map[string]any{"key": held}, plugintest.Scope{})))
	if err != nil {
		t.Fatal(err)
	}
	reg.Shared().Get(pinned, shared.Value(pinned))
	for range 2 {
		if err := reg.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cs.Release() // the last snapshot retiring after the node closed
	for _, key := range []string{held, pinned} {
		if n := closes(t, key); n != 1 {
			t.Errorf("%s closed %d times, want once", key, n)
		}
	}
}
