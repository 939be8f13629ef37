// Package node runs a Gantry process: it prepares the prefix, binds the
// listeners, applies the start configuration through the node's pipeline,
// starts its role's components in order, runs the configuration providers,
// and on the way out stops everything in reverse and drains.
//
// The node knows no role. What a traditional node, a DB-less node, a
// control plane and a data plane are is the list of components and
// providers the composition root (internal/app) gives it; see
// docs/architecture.md.
package node

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/settings"
)

// Component is one part of a role that serves: the proxy, the Admin API,
// the status listener, the control plane's cluster listener.
type Component interface {
	// Name names the component in logs and errors: "proxy", "admin".
	Name() string
	// Listen is the listen setting whose sockets the component serves
	// ("proxy_listen", "admin_listen", "status_listen", "cluster_listen",
	// "cluster_peer_listen"), or "" when it serves none.
	Listen() string
	// Start begins serving on lns, the sockets bound from Listen; it owns
	// them from then on. It must not block: a failure later is reported to
	// fail, which stops the node. An error stops start-up.
	Start(ctx context.Context, lns []Listener, fail func(error)) error
	// Stop ends the component's work, letting what is in flight finish
	// within ctx (drain_timeout).
	Stop(ctx context.Context) error
}

// Options configures a Node.
type Options struct {
	Settings *settings.Settings
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Pipeline is the node's apply loop; the providers feed it.
	Pipeline *pipeline.Pipeline
	// Providers give the node its configuration. The first Starter among
	// them gives the start configuration; without one the node starts empty.
	Providers []pipeline.Provider
	// Components are started in this order once the listeners are bound,
	// and stopped in reverse.
	Components []Component
	// Close runs last, once every component has stopped (plugins' background
	// work, the store).
	Close func()
}

// Node is one running Gantry process.
type Node struct {
	opts     Options
	settings *settings.Settings
	log      *slog.Logger
	id       string
	bound    chan struct{} // closed once listeners.json is written
	ls       atomic.Pointer[Listeners]
	draining atomic.Bool
}

// New checks opts, creates the prefix and reads (or makes) the node id;
// Run starts the node.
func New(opts Options) (*Node, error) {
	if opts.Settings == nil {
		return nil, errors.New("node: Options.Settings is required")
	}
	if opts.Pipeline == nil {
		return nil, errors.New("node: Options.Pipeline is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := opts.Settings
	id, err := Identity(s.Prefix)
	if err != nil {
		return nil, err
	}
	return &Node{opts: opts, settings: s, log: log.With("component", "node"), id: id, bound: make(chan struct{})}, nil
}

// Identity creates the prefix and returns the node id it holds (made on
// first use), for the parts of a node that need it before the node exists
// (a data plane's hello, the Admin API's GET /).
func Identity(prefix string) (string, error) {
	if err := preparePrefix(prefix); err != nil {
		return "", err
	}
	return NodeID(prefix)
}

// ID is the node id, a UUID persisted in <prefix>/node_id.
func (n *Node) ID() string { return n.id }

// Bound is closed once every listener is bound and listeners.json written.
func (n *Node) Bound() <-chan struct{} { return n.bound }

// Listeners returns the bound listeners, nil before Bound is closed.
func (n *Node) Listeners() *Listeners { return n.ls.Load() }

// Draining reports whether the node is stopping: /status/ready answers
// 503 from then on, so load balancers see it leave.
func (n *Node) Draining() bool { return n.draining.Load() }

// Listener is a bound socket with the setting it came from.
type Listener struct {
	net.Listener
	Spec settings.Listen
}
