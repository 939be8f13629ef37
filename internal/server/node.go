// Package server runs a Gantry node: it prepares the prefix, binds the
// listeners, loads the configuration from a ConfigSource into the proxy and
// serves the status listener, until its context ends, then drains.
//
// The node is role-agnostic wiring. What differs between a DB-less node, a
// traditional node and a data plane is the ConfigSource it is given and
// whether an Admin API handler is passed in Options.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// Options configures a Node.
type Options struct {
	Settings *config.Config
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Source gives the entities. Nil picks FileSource when database = off
	// and declarative_config is set, EmptySource otherwise.
	Source ConfigSource
	// Admin serves admin_listen. Nil leaves admin_listen unbound (DB-less
	// nodes before the Admin API is wired, data planes).
	Admin http.Handler
	// Chains builds per-route plugin chains; nil runs routes without plugins.
	Chains snapshot.ChainBuilder
}

// Node is one running Gantry process's server side.
type Node struct {
	opts     Options
	settings *config.Config
	log      *slog.Logger
	source   ConfigSource
	engine   *engine
	metrics  *metrics

	id       string
	reloadMu sync.Mutex // one load/build/swap at a time
	draining atomic.Bool
	bound    chan struct{} // closed once listeners.json is written
	ls       atomic.Pointer[Listeners]
}

// New checks opts and prepares a node; Run starts it.
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
	n.engine = newEngine(s, log, opts.Chains)
	n.metrics = newMetrics(n.stats)
	return n, nil
}

// ID is the node id (valid once Bound is closed).
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
	if err := n.load(ctx); err != nil {
		return fmt.Errorf("reload of %s failed, the previous configuration keeps serving: %w", n.source.Describe(), err)
	}
	return nil
}

func (n *Node) hash() string { return n.engine.hash() }
func (n *Node) empty() bool  { return n.engine.empty() }
func (n *Node) stats() Stats { return n.engine.stats() }
