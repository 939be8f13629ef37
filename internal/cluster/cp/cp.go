// Package cp is the control-plane side of hybrid mode: it serves the cluster
// listener (gRPC over mutual TLS), turns every configuration its node's
// config pipeline hands it through Publish into a new configuration
// version, pushes it to every compatible data plane and keeps the list
// shown by GET /clustering/data-planes. It never reads the configuration
// from the store: the pipeline's database provider does.
//
// Nothing a data plane sends reaches the configuration: the stream handler
// only records what a DP reports in its own row (in memory, and in the
// store's data-plane table when it has one, see persist.go), and a DP is
// never told about other DPs.
package cp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/store"
)

// Timing holds the cluster's intervals. Zero fields take the defaults; tests
// shorten them.
type Timing struct {
	// Heartbeat is how often a DP reports its hash (default 30 s).
	Heartbeat time.Duration
	// Timeout drops a connection silent for that long (default 45 s).
	Timeout time.Duration
	// Purge is how often silent DPs are purged (default 1 min).
	Purge time.Duration
	// Write is how often at most a DP's row is written to the store while
	// only last_seen moves (default 5 s); other changes are written with
	// the next batch.
	Write time.Duration
	// Batch is the least time between two batches of data-plane rows
	// written to the store (default 1 s, at most Write).
	Batch time.Duration
}

func (t Timing) withDefaults() Timing {
	if t.Heartbeat <= 0 {
		t.Heartbeat = 30 * time.Second
	}
	if t.Timeout <= 0 {
		t.Timeout = 45 * time.Second
	}
	if t.Purge <= 0 {
		t.Purge = time.Minute
	}
	if t.Write <= 0 {
		t.Write = 5 * time.Second
	}
	if t.Batch <= 0 || t.Batch > t.Write {
		t.Batch = min(time.Second, t.Write)
	}
	return t
}

// Options configures a ControlPlane.
type Options struct {
	// Store holds the data-plane rows when it is a store.DataPlaneStore.
	Store store.Store
	// Cert is the cluster certificate.
	Cert *clustertls.Cert
	// TLS, when set, replaces shared mode's configuration made from Cert
	// (pki mode: clustertls.PKIServerConfig).
	TLS *tls.Config
	// Source, when set, replaces Cert and TLS: every handshake uses its
	// current material, so a certificate rotation needs no restart.
	Source *clustertls.Source
	Logger *slog.Logger
	// Version is this CP's Gantry version.
	Version string
	// Plugins maps the CP's plugins to their versions (plugin.Registry.Versions).
	Plugins map[string]string
	// MaxPayload is cluster_max_payload: the largest push message; a
	// larger payload is sent in chunks of at most this size.
	MaxPayload int
	// MaxConfigSize is cluster_max_config_size: a configuration larger than
	// this, decompressed, is not pushed.
	MaxConfigSize int
	// PurgeDelay is cluster_data_plane_purge_delay.
	PurgeDelay time.Duration
	// History is how many versions are kept for deltas (default 16).
	History int
	Timing  Timing
}

// ControlPlane pushes configuration to data planes. Create it with New and
// run it with Run.
type ControlPlane struct {
	opts  Options
	log   *slog.Logger
	codec *wire.Codec
	hist  *history
	dps   *registry
	// rows is the store's data-plane table, nil when it has none: then the
	// list is this CP's registry alone.
	rows store.DataPlaneStore

	// pubMu serialises Publish: the check against the current version,
	// the build and the push to the history are one step.
	pubMu   sync.Mutex
	stopped bool // Run has returned: the codec is closed

	mu      sync.Mutex
	streams map[*stream]struct{}
	// pluginSets holds one copy of each plugin set data planes announce:
	// a fleet's data planes mostly run the same build, and each would
	// otherwise keep its own map of some fifty plugins.
	pluginSets map[string]map[string]string
	wg         sync.WaitGroup // stream goroutines that may outlive their handler
}

// New checks opts and prepares a control plane.
func New(opts Options) (*ControlPlane, error) {
	if opts.Store == nil {
		return nil, errors.New("cp: Options.Store is required (a control plane needs database = sqlite or postgres)")
	}
	if opts.Cert == nil && opts.Source == nil {
		return nil, errors.New("cp: Options.Cert is required (cluster_cert and cluster_cert_key)")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = 16 << 20
	}
	if opts.MaxConfigSize <= 0 {
		opts.MaxConfigSize = 1 << 30
	}
	if opts.PurgeDelay <= 0 {
		opts.PurgeDelay = 14 * 24 * time.Hour
	}
	if opts.History <= 0 {
		opts.History = 16
	}
	opts.Timing = opts.Timing.withDefaults()
	rows, _ := opts.Store.(store.DataPlaneStore)
	codec, err := wire.NewCodec(opts.MaxConfigSize)
	if err != nil {
		return nil, err
	}
	return &ControlPlane{
		opts:    opts,
		log:     opts.Logger.With("component", "cluster"),
		codec:   codec,
		hist:    &history{max: opts.History},
		dps:     newRegistry(),
		rows:    rows,
		streams: map[*stream]struct{}{},
	}, nil
}

// Run serves the cluster protocol on lns (the caller binds cluster_listen
// and hands them over) until ctx ends, then closes every stream and
// returns. Data planes get nothing before the first Publish, which may come
// before Run.
func (c *ControlPlane) Run(ctx context.Context, lns []net.Listener) error {
	defer c.codec.Close()
	defer c.stop()
	// A data plane's connection is mostly idle: no read buffer of its own
	// and a write buffer held only while writing keep the CP's memory per
	// data plane small (docs/hybrid.md, "Large fleets").
	srv := grpc.NewServer(
		grpc.Creds(throttle(clustertls.NodeCreds(clustertls.RoleControlPlane, c.opts.Source, c.opts.TLS, c.opts.Cert, c.log), handshakeTimeout)),
		grpc.ConnectionTimeout(handshakeTimeout),
		// Stop returns once every stream's handler has returned, so the
		// disconnects they record reach the writer's last flush.
		grpc.WaitForHandlers(true),
		// No read buffer: the TLS connection buffers a record already.
		grpc.ReadBufferSize(0),
		grpc.WriteBufferSize(connBuffer),
		grpc.SharedWriteBuffer(true),
		grpc.MaxRecvMsgSize(maxDPMessage),
		grpc.MaxSendMsgSize(c.opts.MaxPayload+64<<10),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: c.opts.Timing.Heartbeat, Timeout: c.opts.Timing.Timeout}),
	)
	clusterpb.RegisterClusterServer(srv, &service{cp: c})

	var wg sync.WaitGroup
	for _, ln := range lns {
		c.log.Info("cluster listener serving", "address", ln.Addr().String())
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				c.log.Error("cluster listener failed", "address", ln.Addr().String(), "error", err)
			}
		})
	}
	wg.Go(func() { c.purgeLoop(ctx) })
	wg.Go(func() { c.watchdog(ctx) })
	// The writer outlives the streams so their disconnects are recorded.
	writeCtx, stopWriter := context.WithCancel(context.WithoutCancel(ctx))
	var writer sync.WaitGroup
	if c.rows != nil {
		writer.Go(func() { c.writeLoop(writeCtx, c.rows) })
	}
	<-ctx.Done()
	srv.Stop()
	wg.Wait()
	c.wg.Wait()
	stopWriter()
	writer.Wait()
	return nil
}

// maxDPMessage bounds what a data plane may send: its messages are small.
const maxDPMessage = 1 << 20

const (
	// handshakeTimeout bounds a connection's wait for a handshake slot
	// and the handshake itself.
	handshakeTimeout = 10 * time.Second
	// connBuffer is each connection's write buffer, held only while
	// writing (grpc.SharedWriteBuffer).
	connBuffer = 8 << 10
)

func (c *ControlPlane) notifyAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.streams {
		if s.ready.Load() {
			s.nudge()
		}
	}
}

func (c *ControlPlane) purgeLoop(ctx context.Context) {
	t := time.NewTicker(c.opts.Timing.Purge)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n := c.dps.purge(now, c.opts.PurgeDelay)
			if c.rows != nil {
				// Every CP purges the shared table: deleting twice is harmless.
				var err error
				if n, err = c.rows.PurgeDataPlanes(ctx, now.Add(-c.opts.PurgeDelay)); err != nil && ctx.Err() == nil {
					c.log.Warn("cannot purge silent data planes from the database", "error", err)
				}
			}
			if n > 0 {
				c.log.Info("purged silent data planes", "count", n, "cluster_data_plane_purge_delay", c.opts.PurgeDelay)
			}
		}
	}
}

// DataPlanes lists every data plane seen, for GET /clustering/data-planes
// (admin.Options.DataPlanes): with a store that keeps data-plane rows, those
// of every control plane sharing it. Each element is a DataPlane.
func (c *ControlPlane) DataPlanes(ctx context.Context) ([]any, error) {
	rows := c.dps.list(c.hist.current())
	if c.rows != nil {
		var err error
		if rows, err = c.fleet(ctx, c.rows); err != nil {
			return nil, fmt.Errorf("cluster: list data planes: %w", err)
		}
	}
	out := make([]any, len(rows))
	for i := range rows {
		out[i] = rowMap(&rows[i])
	}
	return out, nil
}

// List returns the data planes as typed rows, as DataPlanes does; when the
// store cannot be read, only the rows this CP holds.
func (c *ControlPlane) List() []DataPlane {
	if c.rows != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if rows, err := c.fleet(ctx, c.rows); err == nil {
			return rows
		}
	}
	return c.dps.list(c.hist.current())
}

// Current returns the version and hash being pushed now (0, "" before the
// first build).
func (c *ControlPlane) Current() (int64, string) {
	if v := c.hist.current(); v != nil {
		return v.n, v.hash
	}
	return 0, ""
}
