// Package fleetsim simulates a fleet of data planes from one process, to
// measure a control plane serving thousands of them: every simulated data
// plane opens its own gRPC connection over mutual TLS with its own node id
// and speaks the data-plane protocol with the real clusterpb messages:
// hello, pushes answered by an ApplyResult, heartbeats.
//
// A simulated data plane does not build a configuration. It checks every
// push cheaply: the payload's checksum and its decompression (which bounds
// its size), and for a delta that its base is the configuration it runs.
// A push that passes is "applied": the session then runs the push's
// version and hash and reports them, exactly as a real data plane that
// applied it would. A simulated data plane has converged on a hash when it
// has applied a push of that hash and said so to the control plane. What
// it cannot check is that the configuration builds: the hash it reports
// is the control plane's, not one it computed.
//
// Memory per session is kept small: one connection without a read buffer
// and with a write buffer held only while writing, one goroutine of its
// own (the stream's reader) besides gRPC's, and the running version, hash
// and counters; heartbeats for all sessions come from one goroutine, and
// payloads are decompressed by a pool of one codec per core.
package fleetsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
)

// Options configures a simulated fleet.
type Options struct {
	// Addr is the control plane's cluster listener (host:port).
	Addr string
	// TLS is the client configuration (clustertls.ClientConfig, or the
	// pki mode's): required, cluster connections are always mTLS.
	TLS *tls.Config
	// N is how many data planes to simulate.
	N int
	// Prefix starts every node id: Prefix-00000, Prefix-00001... (default
	// "sim").
	Prefix string
	// Version is the Gantry version announced (required: the control plane
	// checks it).
	Version string
	// Plugins maps the plugins announced to their versions.
	Plugins map[string]string
	// Heartbeat is how often each session reports its hash (default 30 s).
	Heartbeat time.Duration
	// MaxDecoded bounds a decompressed payload (default 64 MiB).
	MaxDecoded int
	// Dialers bounds the sessions connecting at the same time (default 64):
	// starting ten thousand at once is a reconnect storm, which Storm does
	// on purpose.
	Dialers int
	// BackoffMin and BackoffMax bound the jittered wait before a lost
	// session reconnects (defaults 1 s and 30 s).
	BackoffMin, BackoffMax time.Duration
	Logger                 *slog.Logger
}

// Fleet is a running simulated fleet. Start it with Start; it stops when
// the context given to Start ends, and Wait waits for that.
type Fleet struct {
	opts     Options
	sessions []*Session
	codecs   chan *wire.Codec // a pool: each codec decompresses one payload at a time
	creds    credentials.TransportCredentials
	dialers  chan struct{}
	wg       sync.WaitGroup
	// changed is closed and replaced whenever a session's state changes,
	// for Wait* to wake on.
	mu      sync.Mutex
	changed chan struct{}
}

// Session is one simulated data plane.
type Session struct {
	f  *Fleet
	ID string

	sendMu sync.Mutex // gRPC streams allow one sender at a time

	mu        sync.Mutex
	version   int64
	hash      string
	appliedAt time.Time // when the running hash was applied
	st        clusterpb.Cluster_ConnectClient
	connected bool
	lastErr   string

	// Counters, for the benchmark.
	Fulls, Deltas, Resyncs, Rejects atomic.Int64
	FullBytes, DeltaBytes           atomic.Int64
	Connects                        atomic.Int64
}

// Start opens opts.N sessions in the background and returns at once; use
// WaitConnected and WaitConverged to follow them.
func Start(ctx context.Context, opts Options) (*Fleet, error) {
	if opts.Addr == "" {
		return nil, errors.New("fleetsim: Options.Addr (the control plane's cluster address) is required")
	}
	if opts.TLS == nil {
		return nil, errors.New("fleetsim: Options.TLS is required: cluster connections are mutual TLS")
	}
	if opts.N <= 0 {
		return nil, fmt.Errorf("fleetsim: Options.N = %d: want at least one data plane", opts.N)
	}
	if opts.Version == "" {
		return nil, errors.New("fleetsim: Options.Version is required: the control plane checks it")
	}
	if opts.Prefix == "" {
		opts.Prefix = "sim"
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 30 * time.Second
	}
	if opts.MaxDecoded <= 0 {
		opts.MaxDecoded = 64 << 20
	}
	if opts.Dialers <= 0 {
		opts.Dialers = 64
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = max(30*time.Second, opts.BackoffMin)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Fleet{opts: opts, codecs: make(chan *wire.Codec, runtime.GOMAXPROCS(0)),
		creds: credentials.NewTLS(opts.TLS), dialers: make(chan struct{}, opts.Dialers), changed: make(chan struct{})}
	for range cap(f.codecs) {
		c, err := wire.NewCodec(opts.MaxDecoded)
		if err != nil {
			return nil, err
		}
		f.codecs <- c
	}
	f.sessions = make([]*Session, opts.N)
	for i := range f.sessions {
		f.sessions[i] = &Session{f: f, ID: fmt.Sprintf("%s-%05d", opts.Prefix, i)}
	}
	for _, s := range f.sessions {
		f.wg.Go(func() { s.run(ctx) })
	}
	f.wg.Go(func() { f.heartbeats(ctx) })
	go func() {
		f.wg.Wait()
		for range cap(f.codecs) {
			(<-f.codecs).Close()
		}
	}()
	return f, nil
}

// Sessions returns the simulated data planes.
func (f *Fleet) Sessions() []*Session { return f.sessions }

// Wait returns once every session has ended (the context given to Start
// is done).
func (f *Fleet) Wait() { f.wg.Wait() }

func (f *Fleet) notify() {
	f.mu.Lock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *Fleet) watch() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Counts returns how many sessions are connected and how many run hash.
func (f *Fleet) Counts(hash string) (connected, converged int) {
	for _, s := range f.sessions {
		s.mu.Lock()
		if s.connected {
			connected++
		}
		if s.hash == hash && hash != "" {
			converged++
		}
		s.mu.Unlock()
	}
	return connected, converged
}

// WaitConverged waits until every session runs hash (see the package
// comment) and returns, for each session, when it applied it; on ctx's end
// it returns an error saying how many had not.
func (f *Fleet) WaitConverged(ctx context.Context, hash string) ([]time.Time, error) {
	for {
		ch := f.watch()
		if _, n := f.Counts(hash); n == len(f.sessions) {
			out := make([]time.Time, len(f.sessions))
			for i, s := range f.sessions {
				s.mu.Lock()
				out[i] = s.appliedAt
				s.mu.Unlock()
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			conn, n := f.Counts(hash)
			return nil, fmt.Errorf("%d of %d simulated data planes run %.12s (%d connected; first problem: %s): %w",
				n, len(f.sessions), hash, conn, f.firstError(), ctx.Err())
		case <-ch:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitConnected waits until every session has a stream open.
func (f *Fleet) WaitConnected(ctx context.Context) error {
	for {
		ch := f.watch()
		if n, _ := f.Counts(""); n == len(f.sessions) {
			return nil
		}
		select {
		case <-ctx.Done():
			n, _ := f.Counts("")
			return fmt.Errorf("%d of %d simulated data planes connected (first problem: %s): %w", n, len(f.sessions), f.firstError(), ctx.Err())
		case <-ch:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (f *Fleet) firstError() string {
	for _, s := range f.sessions {
		s.mu.Lock()
		e := s.lastErr
		s.mu.Unlock()
		if e != "" {
			return s.ID + ": " + e
		}
	}
	return "none"
}

// Uniform returns the hash every session runs, "" while they differ.
func (f *Fleet) Uniform() string {
	var hash string
	for i, s := range f.sessions {
		_, h := s.Running()
		if i > 0 && h != hash || h == "" {
			return ""
		}
		hash = h
	}
	return hash
}

// AppliedAt returns when the session applied the configuration it runs.
func (s *Session) AppliedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appliedAt
}

// Running returns the version and hash the session runs.
func (s *Session) Running() (int64, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, s.hash
}

// run keeps the session connected until ctx ends, reconnecting after a
// jittered backoff; the configuration it runs survives reconnects, as a
// real data plane's does.
func (s *Session) run(ctx context.Context) {
	o := s.f.opts
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		err := s.connect(ctx)
		s.mu.Lock()
		s.connected, s.st = false, nil
		if err != nil && ctx.Err() == nil {
			s.lastErr = err.Error()
		}
		s.mu.Unlock()
		s.f.notify()
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > 10*time.Second {
			failures = 0
		}
		d := o.BackoffMin << min(failures, 20)
		if d > o.BackoffMax || d <= 0 {
			d = o.BackoffMax
		}
		failures++
		// Anywhere in the whole window, so a fleet that lost its control
		// plane at once does not come back at once.
		wait := rand.N(d + 1)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

func (s *Session) connect(ctx context.Context) error {
	f := s.f
	select {
	case f.dialers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	held := true
	release := func() {
		if held {
			held = false
			<-f.dialers
		}
	}
	defer release()
	conn, err := grpc.NewClient(f.opts.Addr,
		grpc.WithTransportCredentials(f.creds),
		grpc.WithReadBufferSize(0), // TLS buffers a record already
		grpc.WithWriteBufferSize(8<<10),
		grpc.WithSharedWriteBuffer(true),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(f.opts.MaxDecoded)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 2 * f.opts.Heartbeat, Timeout: 2 * f.opts.Heartbeat, PermitWithoutStream: true}),
	)
	if err != nil {
		return fmt.Errorf("dial %s: %w", f.opts.Addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := clusterpb.NewClusterClient(conn).Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", f.opts.Addr, err)
	}
	version, hash := s.Running()
	hello := &clusterpb.Hello{NodeId: s.ID, Hostname: s.ID, Version: f.opts.Version, Plugins: f.opts.Plugins,
		Labels: map[string]string{"fleet": f.opts.Prefix}, ConfigVersion: version, ConfigHash: hash}
	if err := st.Send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Hello{Hello: hello}}); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	msg, err := st.Recv()
	if err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	switch m := msg.Msg.(type) {
	case *clusterpb.CPMessage_Welcome:
	case *clusterpb.CPMessage_Refused:
		return fmt.Errorf("refused by the control plane (%s): %s", m.Refused.SyncStatus, m.Refused.Reason)
	default:
		return fmt.Errorf("control plane answered the hello with %T", msg.Msg)
	}
	release()
	s.Connects.Add(1)
	s.mu.Lock()
	s.connected, s.st, s.lastErr = true, st, ""
	s.mu.Unlock()
	f.notify()
	for {
		msg, err := st.Recv()
		if err != nil {
			return fmt.Errorf("control plane: %w", err)
		}
		switch m := msg.Msg.(type) {
		case *clusterpb.CPMessage_Config:
			if err := s.send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_ApplyResult{ApplyResult: s.apply(m.Config)}}); err != nil {
				return fmt.Errorf("report: %w", err)
			}
			f.notify()
		case *clusterpb.CPMessage_HeartbeatAck:
		case *clusterpb.CPMessage_Refused:
			return fmt.Errorf("refused by the control plane (%s): %s", m.Refused.SyncStatus, m.Refused.Reason)
		default:
			return fmt.Errorf("control plane sent an unexpected %T", msg.Msg)
		}
	}
}

// apply checks a push as the package comment says and returns the answer.
func (s *Session) apply(p *clusterpb.ConfigPush) *clusterpb.ApplyResult {
	_, hash := s.Running()
	res := &clusterpb.ApplyResult{Version: p.Version, Hash: p.Hash}
	done := func() *clusterpb.ApplyResult {
		res.RunningVersion, res.RunningHash = s.Running()
		return res
	}
	if p.Delta {
		s.Deltas.Add(1)
		s.DeltaBytes.Add(int64(len(p.Payload)))
		if p.BaseHash != hash || hash == "" {
			s.Resyncs.Add(1)
			res.Resync = true
			return done()
		}
	} else {
		s.Fulls.Add(1)
		s.FullBytes.Add(int64(len(p.Payload)))
	}
	codec := <-s.f.codecs
	_, err := codec.Decompress(p.Payload, p.Checksum)
	s.f.codecs <- codec
	if err != nil {
		s.Rejects.Add(1)
		res.Error = err.Error()
		s.f.opts.Logger.Warn("simulated data plane rejected a push", "node_id", s.ID, "config_version", p.Version, "error", err)
		return done()
	}
	s.mu.Lock()
	s.version, s.hash, s.appliedAt = p.Version, p.Hash, time.Now()
	s.mu.Unlock()
	res.Ok = true
	return done()
}

func (s *Session) send(m *clusterpb.DPMessage) error {
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if st == nil {
		return errors.New("not connected")
	}
	// A gRPC stream allows one sender at a time: the reader's answers and
	// the heartbeats take turns.
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return st.Send(m)
}

// heartbeats sends every connected session's heartbeat, spread over the
// interval so a fleet's do not arrive at once.
func (f *Fleet) heartbeats(ctx context.Context) {
	step := f.opts.Heartbeat / time.Duration(len(f.sessions))
	i := 0
	t := time.NewTicker(max(step, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// With more sessions than ticks, each tick serves several.
		n := max(1, int(time.Millisecond/max(step, 1)))
		for range n {
			s := f.sessions[i%len(f.sessions)]
			i++
			version, hash := s.Running()
			hb := &clusterpb.Heartbeat{ConfigVersion: version, ConfigHash: hash}
			_ = s.send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Heartbeat{Heartbeat: hb}})
		}
	}
}
