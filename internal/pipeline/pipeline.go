// Package pipeline is the one road configuration takes into a node:
// providers (the declarative file, the store's change feed, POST /config,
// a data plane's cluster agent) hand it checked configurations
// (entity.Valid), and one apply loop per node hands each to the role's
// Applier (the proxy engine, or a control plane's version builder),
// one at a time. docs/architecture.md draws it.
//
// The pipeline validates nothing itself: an entity.Valid can only be made
// by validating, so whatever reaches Apply was checked exactly once, by the
// provider that read it.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/prometheus/client_golang/prometheus"
)

// Update is one configuration on its way to the applier.
type Update struct {
	Config entity.Valid
	// Version is the provider's number for it: the store's revision, the
	// control plane's config version; 0 when the provider has none.
	Version int64
	// Source names the provider in logs: "declarative_config /etc/gantry.yaml".
	Source string
}

// Applier turns a configuration into what a role serves and swaps it in.
// On error what it served before keeps serving.
type Applier interface {
	Apply(ctx context.Context, u Update) error
}

// ApplyFunc adapts a function to Applier.
type ApplyFunc func(ctx context.Context, u Update) error

// Apply implements Applier.
func (f ApplyFunc) Apply(ctx context.Context, u Update) error { return f(ctx, u) }

// Provider is one source of configuration.
type Provider interface {
	// Name names the provider in logs.
	Name() string
	// Run follows the source until ctx ends, handing every new
	// configuration to sink; an error from sink means it was refused and
	// the running configuration keeps serving (the provider reports it its
	// own way). Run returns nil when ctx ends; an earlier error stops the
	// node.
	Run(ctx context.Context, sink Sink) error
}

// Starter is a Provider with a configuration to start from. A node calls
// the first Starter's Initial before it serves: it applies its start
// configuration through sink (once), and its error stops start-up.
type Starter interface {
	Provider
	Initial(ctx context.Context, sink Sink) error
}

// Sink is where providers hand configurations: the node's Pipeline.
type Sink interface {
	// Apply applies u; see Pipeline.Apply.
	Apply(ctx context.Context, u Update) error
	// Reload loads a configuration with load and applies it, counting a
	// failure of either as a refused configuration.
	Reload(ctx context.Context, load func(context.Context) (Update, error)) error
}

// Pipeline is a node's apply loop. Apply calls are serialized: one build
// at a time, in the order they arrive.
type Pipeline struct {
	applier Applier
	log     *slog.Logger

	mu      sync.Mutex             // one apply at a time
	current atomic.Pointer[Update] // nil before the first apply

	reloads  *prometheus.CounterVec
	hashInfo *prometheus.GaugeVec
}

// New returns a pipeline applying to a; log may be nil.
func New(a Applier, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{
		applier: a,
		log:     log.With("component", "pipeline"),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gantry_config_reloads_total",
			Help: "Configuration loads applied (result=ok) or rejected (result=failed), the first one included.",
		}, []string{"result"}),
		hashInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gantry_config_hash_info",
			Help: "Always 1; the hash label is the configuration currently served.",
		}, []string{"hash"}),
	}
	p.reloads.WithLabelValues("ok")
	p.reloads.WithLabelValues("failed")
	return p
}

// Collectors are the pipeline's metrics, for the status listener.
func (p *Pipeline) Collectors() []prometheus.Collector {
	return []prometheus.Collector{p.reloads, p.hashInfo}
}

// Apply hands u to the applier and, on success, makes it the current
// configuration. On error the running configuration keeps serving and the
// error says what was wrong.
func (p *Pipeline) Apply(ctx context.Context, u Update) error {
	if u.Config.IsZero() {
		return errors.New("pipeline: an update without a configuration")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.applier.Apply(ctx, u); err != nil {
		p.reloads.WithLabelValues("failed").Inc()
		return err
	}
	p.current.Store(&u)
	p.reloads.WithLabelValues("ok").Inc()
	p.hashInfo.Reset()
	p.hashInfo.WithLabelValues(u.Config.Hash()).Set(1)
	p.log.Log(ctx, settings.LevelNotice, "configuration loaded", "source", u.Source, "hash", u.Config.Hash(),
		"empty", u.Config.Config().Empty())
	return nil
}

// Reload implements Sink.
func (p *Pipeline) Reload(ctx context.Context, load func(context.Context) (Update, error)) error {
	u, err := load(ctx)
	if err != nil {
		p.reloads.WithLabelValues("failed").Inc()
		return err
	}
	return p.Apply(ctx, u)
}

// Current is the configuration applied last; its Config is zero before the
// first apply.
func (p *Pipeline) Current() Update {
	if u := p.current.Load(); u != nil {
		return *u
	}
	return Update{}
}

// Start applies the first Starter's initial configuration among ps, or an
// empty one when none is a Starter. Its error stops start-up.
func (p *Pipeline) Start(ctx context.Context, ps []Provider) error {
	for _, pr := range ps {
		if s, ok := pr.(Starter); ok {
			return s.Initial(ctx, p)
		}
	}
	empty, err := (&entity.Config{}).Check(entity.Checks{})
	if err != nil {
		return err
	}
	return p.Apply(ctx, Update{Config: empty, Source: "empty configuration"})
}
