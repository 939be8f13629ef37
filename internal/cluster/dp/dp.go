// Package dp is the data-plane side of hybrid mode: an agent that loads the
// start configuration (config cache, else a peer's signed cache, else
// declarative_config, else empty), keeps one stream open to a control
// plane, applies what it pushes and reports back. It serves its own signed
// cache to peers (peer.go).
//
// The agent is the data plane's configuration provider (pipeline.Starter):
// all config work (decompress, decode, validate) happens in its goroutine,
// and each checked configuration goes to the node's pipeline once, which
// builds it and swaps it in atomically. The data plane never imports the
// control plane.
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
	"github.com/gantryhq/gantry/internal/pipeline"
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
	Peer       time.Duration // default 10 s: the whole fetch of one peer's cache
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
	if t.Peer <= 0 {
		t.Peer = 10 * time.Second
	}
	return t
}

// Options configures an Agent.
type Options struct {
	// ControlPlanes are host:port addresses, tried in turn.
	ControlPlanes []string
	Cert          *clustertls.Cert
	// TLS, when set, replaces shared mode's configuration made from Cert
	// (pki mode: clustertls.PKIClientConfig).
	TLS *tls.Config
	// Source, when set, replaces Cert and TLS: every dial uses its current
	// material, so a certificate rotation needs no restart.
	Source *clustertls.Source
	// Trust decides which signer a cache from a peer (or copied into the
	// prefix) may carry and which peers to talk to; nil: shared mode's,
	// made from Cert.
	Trust *clustertls.Trust
	// Peers is cluster_peers: data planes asked for their config cache,
	// in turn, when this node starts without a valid cache of its own.
	Peers    []string
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
	// ValidatePlugin checks plugin configs with this node's schemas.
	ValidatePlugin func(*entity.Plugin) entity.Errors
	// MaxPayload is cluster_max_payload: the largest single push message.
	MaxPayload int
	// MaxConfigSize is cluster_max_config_size: the largest configuration
	// accepted, decompressed, and the largest chunked push reassembled.
	MaxConfigSize int
	Logger        *slog.Logger
	Timing        Timing
}

// Agent is a data plane's cluster agent.
type Agent struct {
	opts  Options
	log   *slog.Logger
	codec *wire.Codec

	apply   func(context.Context, pipeline.Update) error // the node's pipeline, set by Initial and Run
	applyMu sync.Mutex                                   // one apply at a time; guards apply, cached and digests
	cached  *wire.Cached                                 // the config cache (the file follows: file), nil when unknown
	file    *cacheFile
	digests entity.DigestCache // md5s of the last config digested's entities (SumsOnly)
	// peerSlots bounds the config caches sent to peers at once.
	peerSlots chan struct{}
	mu        sync.Mutex
	run       running
	status    Status
	// lostAt is when the connection to the control plane was lost (zero
	// while connected or before the first), everConnected whether one
	// was ever made: the run loop's only.
	lostAt        time.Time
	everConnected bool
	// transferErr says why the last connection's chunked push was not
	// applied (the connection broke mid-transfer); the next hello reports
	// it. Guarded by mu.
	transferErr string
}

// running is the configuration in service.
type running struct {
	cfg     entity.Valid
	version int64
}

func (r running) hash() string { return r.cfg.Hash() }

// Status is what the agent reports about itself (DP /status).
type Status struct {
	ConfigVersion int64  `json:"config_version"`
	ConfigHash    string `json:"config_hash"`
	// Source says where the running config came from: "control_plane",
	// "cache", "peer", "declarative_config" or "empty".
	Source       string `json:"source"`
	Connected    bool   `json:"connected"`
	ControlPlane string `json:"control_plane,omitempty"`
	LastError    string `json:"last_error,omitempty"`
	// CacheVersion and CacheHash are the configuration the config cache
	// file holds, what a restart without the control plane would serve:
	// the file follows an apply by up to cacheWriteDelay (0 and "" before
	// one is written).
	CacheVersion int64  `json:"cache_config_version"`
	CacheHash    string `json:"cache_config_hash,omitempty"`
}

// New checks opts and prepares an agent; a node calls Initial, then Run.
func New(opts Options) (*Agent, error) {
	switch {
	case opts.Cert == nil && opts.Source == nil:
		return nil, errors.New("dp: Options.Cert is required (cluster_cert and cluster_cert_key)")
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
	if opts.Trust == nil {
		opts.Trust = &clustertls.Trust{Cert: opts.Cert, Source: opts.Source}
	}
	if opts.MaxConfigSize <= 0 {
		opts.MaxConfigSize = 1 << 30
	}
	opts.Timing = opts.Timing.withDefaults()
	codec, err := wire.NewCodec(opts.MaxConfigSize)
	if err != nil {
		return nil, err
	}
	log := opts.Logger.With("component", "cluster")
	a := &Agent{opts: opts, log: log, codec: codec, peerSlots: make(chan struct{}, maxPeerSends), digests: entity.DigestCache{SumsOnly: true}}
	a.file = &cacheFile{path: filepath.Join(opts.Prefix, wire.CacheFile), log: log, delay: cacheWriteDelay, written: a.cacheHolds}
	return a, nil
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

// cacheHolds records that the cache file holds c (nil: none) in Status.
func (a *Agent) cacheHolds(c *wire.Cached) {
	a.setStatus(func(s *Status) {
		s.CacheVersion, s.CacheHash = 0, ""
		if c != nil {
			s.CacheVersion, s.CacheHash = c.Version, c.Hash
		}
	})
}

func (a *Agent) cachePath() string { return filepath.Join(a.opts.Prefix, wire.CacheFile) }

// Running returns the configuration in service, its version and hash (a nil
// config before Initial).
func (a *Agent) Running() (*entity.Config, int64, string) {
	r := a.current()
	return r.cfg.Config(), r.version, r.hash()
}

// Name implements pipeline.Provider.
func (a *Agent) Name() string { return "control plane (hybrid mode)" }
