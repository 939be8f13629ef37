package snapshot_test

import (
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	"github.com/gantryhq/gantry/internal/snapshot"
	_ "github.com/gantryhq/gantry/plugins/all"
)

// countingBuilder builds chains with reg and counts its builds; built,
// when set, sees each build.
type countingBuilder struct {
	reg    *plugin.Registry
	builds int
	built  func(*plugin.Chains)
}

func (b *countingBuilder) BuildChains(cfg *entity.Config) (*plugin.Chains, error) {
	b.builds++
	cs, err := b.reg.BuildChains(cfg)
	if err == nil && b.built != nil {
		b.built(cs)
	}
	return cs, err
}

// failingBuilder fails every build with err.
type failingBuilder struct{ err error }

func (b failingBuilder) BuildChains(*entity.Config) (*plugin.Chains, error) { return nil, b.err }

// fixedBuilder hands out the chains it was given, whatever the config: a
// builder with a stale cache.
type fixedBuilder struct{ cs *plugin.Chains }

func (b *fixedBuilder) BuildChains(*entity.Config) (*plugin.Chains, error) { return b.cs, nil }

// guarded is a config whose route /a requires key-auth, with one route
// more when extra.
func guarded(extra bool) *entity.Config {
	svc := entity.NewService()
	svc.ID, svc.Host = "00000000-0000-4000-8000-000000000003", "backend.internal"
	a := entity.NewRoute()
	a.ID, a.Paths, a.Service = "00000000-0000-4000-8000-000000000004", []string{"/a"}, &entity.Ref{ID: svc.ID}
	auth := entity.NewPlugin()
	auth.ID, auth.Name, auth.Service = "00000000-0000-4000-8000-000000000010", "key-auth", &entity.Ref{ID: svc.ID}
	cfg := &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{a}, Plugins: []*entity.Plugin{auth}}
	if extra {
		b := entity.NewRoute()
		b.ID, b.Paths, b.Service = "00000000-0000-4000-8000-000000000005", []string{"/b"}, &entity.Ref{ID: svc.ID}
		cfg.Routes = append(cfg.Routes, b)
	}
	return cfg
}

// TestPluginChainMismatchFailsTheBuild: a route must run the chain built
// for it from the config being built. The builder is the one place chains
// come from outside the snapshot; chains that do not fit the config (built
// for another one, or none at all) would have the route run some other
// config's plugins or none, key-auth included, so Build fails instead. The
// same holds for chains kept from the previous snapshot when they lack a
// route the caller's digest claimed unchanged.
func TestPluginChainMismatchFailsTheBuild(t *testing.T) {
	t.Parallel()
	reg := plugin.Bundled(nil)
	otherCfg := guarded(false)
	otherCfg.Plugins = nil // the route's chain there runs no key-auth
	other, err := reg.BuildChains(otherCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Release)
	prev, err := snapshot.Build(guarded(false), nil, snapshot.Options{Plugins: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prev.Retire(nil) })
	// A caller's digest of the config before, but for a target: the route
	// entries are rebuilt, on the chains kept from prev.
	stale := guarded(false).Digest()
	stale.Hash, stale.Kinds[entity.KindTarget] = "stale", "another target"
	tests := []struct {
		name string
		cfg  *entity.Config
		prev *snapshot.Snapshot
		opts snapshot.Options
		want string
	}{
		{"chains of another config", guarded(false), nil, snapshot.Options{Plugins: &fixedBuilder{other}}, "another config"},
		{"no chains", guarded(false), nil, snapshot.Options{Plugins: &fixedBuilder{}}, "returned no chains"},
		{"kept chains lack a route", guarded(true), prev, snapshot.Options{Plugins: reg, Digest: stale}, "without this route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := snapshot.Build(tt.cfg, tt.prev, tt.opts)
			if err == nil {
				defer s.Retire(nil)
				t.Fatalf("Build succeeded; /a runs a chain of %d plugins, want the build to fail", match(s, "/a").Chain.Len())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build error = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// decodes is a plugin that counts its config decodes; only
// TestOneDecodePerApply uses it.
var decodes = plugintest.RegisterProbe("test-decodes")

// TestOneDecodePerApply runs a DB-less node's apply path (the declarative
// loader with the registry's Normalize, then the snapshot and its chains)
// and counts how often the plugin's config was decoded: once is enough.
func TestOneDecodePerApply(t *testing.T) {
	reg := plugin.Bundled(nil)
	doc := `_format_version: "3.0"
services:
- name: backend
  host: backend.internal
  routes:
  - name: a
    paths: [/a]
    plugins:
    - name: test-decodes
      config: {key: ""}
`
	before := decodes.Decodes()
	cfg, err := declarative.Parse([]byte(doc), declarative.Options{ValidatePlugin: reg.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Build(cfg, nil, snapshot.Options{Plugins: reg, Validated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Retire(nil)
	if match(s, "/a").Chain.Len() != 1 {
		t.Fatalf("route /a runs %d plugins, want test-decodes", match(s, "/a").Chain.Len())
	}
	if n := decodes.Decodes() - before; n != 1 {
		t.Errorf("one apply decoded the plugin's config %d times, want 1", n)
	}
}
