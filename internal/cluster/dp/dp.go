// Package dp is the data-plane side of hybrid mode: an agent that loads the
// start configuration (config cache, else declarative_config, else empty),
// keeps one stream open to a control plane, applies what it pushes and
// reports back.
//
// All config work (decompress, decode, validate, build) happens in the
// agent's goroutine; the proxy only sees the finished snapshot through the
// Apply function, which swaps it in atomically. The data plane never
// imports the control plane.
package dp

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
)

// VersionOverrideEnv, FOR TESTING ONLY, replaces the Gantry version a data
// plane reports in its hello, so tests can show how a control plane refuses
// a newer data plane. Never set it in production.
const VersionOverrideEnv = "GANTRY_TEST_CLUSTER_DP_VERSION"

// ReportedVersion is the version a DP reports: v, unless VersionOverrideEnv is set.
func ReportedVersion(v string) string {
	if o := os.Getenv(VersionOverrideEnv); o != "" {
		return o
	}
	return v
}

// Timing holds the agent's intervals; zero fields take the defaults.
type Timing struct {
	Heartbeat  time.Duration // default 30 s
	Timeout    time.Duration // default 45 s: drop a CP silent that long
	BackoffMin time.Duration // default 1 s
	BackoffMax time.Duration // default 30 s
}

func (t Timing) withDefaults() Timing {
	if t.Heartbeat <= 0 {
		t.Heartbeat = 30 * time.Second
	}
	if t.Timeout <= 0 {
		t.Timeout = 45 * time.Second
	}
	if t.BackoffMin <= 0 {
		t.BackoffMin = time.Second
	}
	if t.BackoffMax <= 0 {
		t.BackoffMax = 30 * time.Second
	}
	return t
}

// ApplyFunc builds cfg into a snapshot and swaps it in; on error the
// running snapshot must keep serving. cfg has already passed
// cfg.Validate and d is its cfg.Digest(): the build need not do either
// again (server.Node.ApplyValidated).
type ApplyFunc func(ctx context.Context, cfg *entity.Config, d entity.Digest) error

// Options configures an Agent.
type Options struct {
	// ControlPlanes are host:port addresses, tried in turn.
	ControlPlanes []string
	Cert          *clustertls.Cert
	// TLS, when set, replaces shared mode's configuration made from Cert
	// (pki mode: clustertls.PKIClientConfig).
	TLS      *tls.Config
	NodeID   string
	Hostname string
	// Version is reported in the hello (see ReportedVersion).
	Version string
	// Plugins maps the plugins this node can run to their versions.
	Plugins map[string]string
	Labels  map[string]string
	// Prefix holds the config cache.
	Prefix string
	// DeclarativeConfig is loaded at start when there is no valid cache.
	DeclarativeConfig string
	Apply             ApplyFunc
	// ValidatePlugin checks plugin configs with this node's schemas.
	ValidatePlugin func(*entity.Plugin) entity.Errors
	// MaxPayload is cluster_max_payload.
	MaxPayload int
	Logger     *slog.Logger
	Timing     Timing
}

// Agent is a data plane's cluster agent.
type Agent struct {
	opts  Options
	log   *slog.Logger
	codec *wire.Codec

	applyMu sync.Mutex         // one apply at a time; guards cached and digests
	cached  *wire.Cached       // what the cache file holds, nil when unknown
	digests entity.DigestCache // encodings of the last config digested
	mu      sync.Mutex
	run     running
	status  Status
}

// running is the configuration in service.
type running struct {
	cfg     *entity.Config
	version int64
	digest  entity.Digest // cfg.Digest(), handed to a node's reload by Source
}

func (r running) hash() string { return r.digest.Hash }

// Status is what the agent reports about itself (DP /status).
type Status struct {
	ConfigVersion int64  `json:"config_version"`
	ConfigHash    string `json:"config_hash"`
	// Source says where the running config came from: "control_plane",
	// "cache", "declarative_config" or "empty".
	Source       string `json:"source"`
	Connected    bool   `json:"connected"`
	ControlPlane string `json:"control_plane,omitempty"`
	LastError    string `json:"last_error,omitempty"`
}

// New checks opts and prepares an agent; call Start, then Run.
func New(opts Options) (*Agent, error) {
	switch {
	case opts.Cert == nil:
		return nil, errors.New("dp: Options.Cert is required (cluster_cert and cluster_cert_key)")
	case opts.Apply == nil:
		return nil, errors.New("dp: Options.Apply is required")
	case len(opts.ControlPlanes) == 0:
		return nil, errors.New("dp: cluster_control_plane lists no address")
	case opts.NodeID == "":
		return nil, errors.New("dp: Options.NodeID is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = 16 << 20
	}
	opts.Timing = opts.Timing.withDefaults()
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		return nil, err
	}
	return &Agent{opts: opts, log: opts.Logger.With("component", "cluster"), codec: codec}, nil
}

// Status returns the agent's state now.
func (a *Agent) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.status
	s.ConfigVersion, s.ConfigHash = a.run.version, a.run.hash()
	return s
}

func (a *Agent) current() running {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.run
}

func (a *Agent) setStatus(fn func(*Status)) {
	a.mu.Lock()
	fn(&a.status)
	a.mu.Unlock()
}

func (a *Agent) cachePath() string { return filepath.Join(a.opts.Prefix, wire.CacheFile) }

// Running returns the configuration in service, its version and hash (a nil
// config before Start).
func (a *Agent) Running() (*entity.Config, int64, string) {
	r := a.current()
	return r.cfg, r.version, r.hash()
}

// Source lets a node load the agent's running configuration like any other
// configuration source (Describe and Load), so a reload or the node's own
// start-up load re-applies what the agent runs rather than something else.
type Source struct{ Agent *Agent }

// Describe names the source in logs.
func (s Source) Describe() string { return "control plane (hybrid mode)" }

// Load returns the configuration the agent runs now.
func (s Source) Load(ctx context.Context) (*entity.Config, error) {
	cfg, _, err := s.LoadDigest(ctx)
	return cfg, err
}

// LoadDigest is Load with the running configuration's digest; it is valid
// (every way in validates it), so a node's start-up load and reloads
// (server.DigestSource) neither validate nor hash it again.
func (s Source) LoadDigest(context.Context) (*entity.Config, entity.Digest, error) {
	r := s.Agent.current()
	if r.cfg == nil {
		empty := &entity.Config{}
		return empty, empty.Digest(), nil
	}
	return r.cfg, r.digest, nil
}
