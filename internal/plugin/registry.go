package plugin

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// table holds every plugin registered by an init function. It is the only
// package-level mutable state: written during init, read-only afterwards.
// (semver below is a compiled pattern, never written.)
var table = map[string]*Plugin{}

// Register adds p to the plugins this binary knows. Call it from init();
// a duplicate or empty name, or a version that is not semver
// (MAJOR.MINOR.PATCH, the CP/DP compatibility rules compare its parts),
// panics, which stops the binary at start.
func Register(p *Plugin) {
	if p == nil || p.name == "" {
		panic("plugin: Register of a plugin without a name")
	}
	if !semver.MatchString(p.version) {
		panic(fmt.Sprintf("plugin: %s has version %q, want semver MAJOR.MINOR.PATCH", p.name, p.version))
	}
	if _, dup := table[p.name]; dup {
		panic("plugin: duplicate plugin name " + p.name)
	}
	table[p.name] = p
}

// semver is MAJOR.MINOR.PATCH with an optional pre-release or build
// suffix, without leading zeros.
var semver = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-+][0-9A-Za-z.+-]+)?$`)

// Registry is the set of plugins a node loads (the `plugins` setting) plus
// the state that outlives config snapshots (rate-limiting counters). Build
// one per node with Bundled, narrow it with Subset, and pass it to every
// BuildChains call so that state carries over across snapshots.
type Registry struct {
	plugins map[string]*Plugin
	logger  *slog.Logger
	shared  *Shared
}

// Bundled returns a registry of every registered plugin. logger receives
// plugin logs (panics, errors); nil discards them.
func Bundled(logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{
		plugins: maps.Clone(table),
		logger:  logger.With("component", "plugin"),
		shared:  &Shared{m: sync.Map{}},
	}
}

// Subset returns a registry with the plugins named by the `plugins`
// setting: "bundled" (every plugin of r), "off" (none, alone), or names.
// The result shares r's logger and cross-snapshot state.
func (r *Registry) Subset(names []string) (*Registry, error) {
	out := &Registry{plugins: map[string]*Plugin{}, logger: r.logger, shared: r.shared}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch n {
		case "", "off":
			if n == "off" && len(names) > 1 {
				return nil, fmt.Errorf("plugins: %q cannot be combined with other names; use it alone to load no plugin", n)
			}
		case "bundled":
			maps.Copy(out.plugins, r.plugins)
		default:
			p, ok := r.plugins[n]
			if !ok {
				return nil, fmt.Errorf("plugins: unknown plugin %q; available: bundled, off, %s", n, strings.Join(r.Names(), ", "))
			}
			out.plugins[n] = p
		}
	}
	return out, nil
}

// Get returns the plugin called name.
func (r *Registry) Get(name string) (*Plugin, bool) {
	p, ok := r.plugins[name]
	return p, ok
}

// Names lists the plugins of r, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.plugins))
}

// Versions maps every plugin name to its version, for the hybrid-mode
// compatibility rules.
func (r *Registry) Versions() map[string]string {
	out := make(map[string]string, len(r.plugins))
	for n, p := range r.plugins {
		out[n] = p.version
	}
	return out
}

// Shared returns the state plugins keep across snapshots, for code that
// must reach it outside requests (plugins/prometheus exposes its metrics
// from there).
func (r *Registry) Shared() *Shared { return r.shared }

// Close releases what plugins keep across snapshots (redis connection
// pools, for example): every shared value that has a Close method. Call it
// when the node stops; registries made by Subset share the same state.
func (r *Registry) Close() error {
	var errs []error
	r.shared.m.Range(func(_, v any) bool {
		if c, ok := v.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		return true
	})
	return errors.Join(errs...)
}

// Shared holds plugin state that must survive config snapshots, keyed by
// whatever the plugin chooses (rate-limiting keys its counters by plugin
// instance id). It is safe for concurrent use.
type Shared struct {
	m sync.Map
}

// Get returns the value stored under key, storing create() first when
// there is none. create may run more than once under contention; only one
// result is kept.
func (s *Shared) Get(key string, create func() any) any {
	if v, ok := s.m.Load(key); ok {
		return v
	}
	v, _ := s.m.LoadOrStore(key, create())
	return v
}
