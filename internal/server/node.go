// Package server runs a Gantry node: it prepares the prefix, binds the
// listeners, loads the configuration from a ConfigSource into the proxy and
// serves the status listener, until its context ends, then drains.
//
// The node is role-agnostic wiring. What differs between a DB-less node, a
// traditional node, a control plane and a data plane is what Options gives
// it: the ConfigSource, the Admin API handler, and the Cluster hook.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Node.
type Options struct {
	Settings *config.Config
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Source gives the entities. Nil picks FileSource when database = off
	// and declarative_config is set, EmptySource otherwise.
	Source ConfigSource
	// Admin returns the handler served on admin_listen; it is called once,
	// in New, with the node so the handler can use n.ID, n.Apply and
	// n.Current. Nil leaves admin_listen unbound (data planes).
	Admin func(n *Node) http.Handler
	// Cluster starts hybrid-mode work once the listeners are bound. A
	// control plane gets its bound cluster_listen sockets (the callee owns
	// them from then on); other roles get none. The returned run blocks
	// until ctx ends, which happens when the node starts stopping; an
	// earlier error stops the node. Nil: no cluster work, cluster_listen
	// is not bound.
	Cluster func(n *Node, listeners []net.Listener) (run func(ctx context.Context) error, err error)
	// StatusExtra adds fields to GET /status (a data plane's config
	// version and control-plane connection). Called on every request.
	StatusExtra func() map[string]any
	// Plugins is the registry of the `plugins` setting; every snapshot's
	// plugin chains are built from it. Nil runs no plugin.
	Plugins *plugin.Registry
	// Ready decides /status/ready; nil means "a non-empty configuration is
	// loaded". A database-backed node is ready once its database answers,
	// even before the first entity exists, as Kong's is. A non-nil error
	// is the reason it is not ready.
	Ready func() error
	// Collectors are registered on the status listener's /metrics next to
	// the node's own metrics (the prometheus plugin's, for one).
	Collectors []prometheus.Collector
}

// Node is one running Gantry process's server side.
type Node struct {
	opts     Options
	settings *config.Config
	log      *slog.Logger
	srcMu    sync.Mutex
	source   ConfigSource // read through src()
	engine   *engine
	metrics  *metrics

	id       string
	reloadMu sync.Mutex // one load/build/swap at a time
	draining atomic.Bool
	bound    chan struct{} // closed once listeners.json is written
	ls       atomic.Pointer[Listeners]
	admin    http.Handler // nil when admin_listen is not served
}

// New checks opts, creates the prefix and reads (or makes) the node id;
// Run starts the node.
func New(opts Options) (*Node, error) {
	if opts.Settings == nil {
		return nil, errors.New("server: Options.Settings is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := opts.Settings
	src := opts.Source
	if src == nil {
		src = EmptySource{}
		if s.Database == config.DatabaseOff && s.DeclarativeConfig != "" {
			src = &FileSource{Path: s.DeclarativeConfig}
		}
	}
	n := &Node{
		opts:     opts,
		settings: s,
		log:      log.With("component", "server"),
		source:   src,
		bound:    make(chan struct{}),
	}
	if opts.Ready == nil {
		n.opts.Ready = n.configLoaded
	}
	if err := preparePrefix(s.Prefix); err != nil {
		return nil, err
	}
	id, err := NodeID(s.Prefix)
	if err != nil {
		return nil, err
	}
	n.id = id
	if n.engine, err = newEngine(s, log, opts.Plugins); err != nil {
		return nil, err
	}
	if n.metrics, err = newMetrics(n.stats, opts.Collectors...); err != nil {
		return nil, err
	}
	if opts.Admin != nil {
		n.admin = opts.Admin(n)
	}
	return n, nil
}

// ID is the node id, a UUID persisted in <prefix>/node_id.
func (n *Node) ID() string { return n.id }

// Bound is closed once every listener is bound and listeners.json written.
func (n *Node) Bound() <-chan struct{} { return n.bound }

// Listeners returns the bound listeners, nil before Bound is closed.
func (n *Node) Listeners() *Listeners { return n.ls.Load() }

// Handler returns the status listener's handler, for embedding and tests.
func (n *Node) Handler() http.Handler { return n.statusHandler() }

// Reload loads the source again and swaps the result in. On failure the
// running config keeps serving and the error names the source and every problem.
func (n *Node) Reload(ctx context.Context) error {
	src := n.src()
	if err := n.load(ctx, src); err != nil {
		return fmt.Errorf("reload of %s failed, the previous configuration keeps serving: %w", src.Describe(), err)
	}
	return nil
}

// SetSource replaces the node's configuration source, for sources that
// need the node to exist first (a data plane's agent applies through
// ApplyValidated). Call it before Run; later reloads read the new source.
func (n *Node) SetSource(src ConfigSource) {
	n.srcMu.Lock()
	defer n.srcMu.Unlock()
	n.source = src
}

func (n *Node) src() ConfigSource {
	n.srcMu.Lock()
	defer n.srcMu.Unlock()
	return n.source
}

// Apply swaps cfg in as the running configuration, as a reload would
// (POST /config on a DB-less node). On error the running one keeps serving.
func (n *Node) Apply(ctx context.Context, cfg *entity.Config) error {
	return n.load(ctx, fixedSource{cfg: cfg})
}

// ApplyValidated is Apply for a caller whose cfg already passed
// cfg.Validate (the cluster codec validates every push, the declarative
// loader every POST /config) and d is its cfg.Digest(), so the build
// validates and hashes nothing again and reuses what did not change
// (docs/design.md, "The hot path stays clear of config work").
// It has the shape of dp.ApplyFunc.
func (n *Node) ApplyValidated(ctx context.Context, cfg *entity.Config, d entity.Digest) error {
	return n.load(ctx, fixedSource{cfg: cfg, known: known{digest: d, validated: true}})
}

// known is what the caller of load already knows about the config it
// applies, so the build does not work it out again.
type known struct {
	digest    entity.Digest // zero: compute
	validated bool
}

// Current returns the configuration being served and its hash; the config
// is nil before the first load. Callers must not modify it.
func (n *Node) Current() (*entity.Config, string) {
	s := n.engine.p.Current()
	if s == nil {
		return nil, ""
	}
	return s.Config(), s.Hash()
}

func (n *Node) hash() string       { return n.engine.hash() }
func (n *Node) empty() bool        { return n.engine.empty() }
func (n *Node) stats() proxy.Stats { return n.engine.stats() }
