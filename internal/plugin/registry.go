package plugin

import (
	"fmt"
	"github.com/gantryhq/gantry/internal/spell"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
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
// the state that outlives config snapshots (rate-limiting counters, log
// queues). Build one per node with Bundled, narrow it with Subset, build
// every snapshot's chains with it so that state carries over, and Close it
// when the node stops.
type Registry struct {
	plugins map[string]*Plugin
	logger  *slog.Logger
	shared  *sharedStore
	decoded *decodeCache
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
		shared:  &sharedStore{m: map[string]*sharedValue{}},
		decoded: &decodeCache{},
	}
}

// Subset returns a registry with the plugins named by the `plugins`
// setting: "bundled" (every plugin of r), "off" (none, alone), or names.
// The result shares r's logger and cross-snapshot state.
func (r *Registry) Subset(names []string) (*Registry, error) {
	out := &Registry{plugins: map[string]*Plugin{}, logger: r.logger, shared: r.shared, decoded: r.decoded}
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
				hint := ""
				if best := spell.Closest(n, r.Names()); best != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", best)
				}
				return nil, fmt.Errorf("plugins: unknown plugin %q%s; available: bundled, off, %s", n, hint, strings.Join(r.Names(), ", "))
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
// from there). Values taken through it are kept until Close.
func (r *Registry) Shared() *Shared { return &Shared{store: r.shared} }

// Close stops what plugins keep across snapshots and nothing released yet:
// http-log queues, open log files, redis connection pools (every shared
// value with a Close method). Call it once the node stopped serving; values
// the last snapshot still holds are closed too. Registries made by Subset
// share the same state, so closing one closes it for all. Calling Close
// again closes only what was taken since.
func (r *Registry) Close() error { return r.shared.closeAll() }
