package cp

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
)

// service implements the gRPC Cluster service.
type service struct {
	clusterpb.UnimplementedClusterServer
	cp *ControlPlane
}

// stream is one data plane's open connection.
type stream struct {
	cp     *ControlPlane
	ctx    context.Context // the stream's: closeConn(ctx) drops the connection
	id     string
	hello  *clusterpb.Hello
	remote string
	srv    clusterpb.Cluster_ConnectServer
	kick   chan struct{} // cap 1: something to push may have changed
	acks   chan struct{} // cap 1: a heartbeat wants an answer
	seen   atomic.Int64  // unix nanos of the last message from the DP
	ready  atomic.Bool   // said hello and was accepted: pushes may go

	mu       sync.Mutex // guards the fields below (read by sender, written by receiver)
	running  int64
	hash     string
	inflight int64 // version pushed and not yet answered; 0 when none
	sentAt   time.Time
	nextAt   time.Time // no push before then (see pace.go)
	rejected string    // hash the DP refused: not pushed again
	// wantFull: the DP's config cache asked for a signed full payload
	// (ApplyResult.cache_wants_full); the next push is the whole current
	// version, even if the DP runs it.
	wantFull bool
	warned   string // last plugin warning logged, so it is logged once
	// status is the sync status last recorded in the DP's row by push, so
	// a push records it only when it changes.
	status string
}

func (s *stream) nudge() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Connect implements clusterpb.ClusterServer: one call per data plane.
func (svc *service) Connect(srv clusterpb.Cluster_ConnectServer) error {
	c := svc.cp
	ctx := srv.Context()
	remote := "unknown"
	if p, ok := peer.FromContext(ctx); ok {
		remote = p.Addr.String()
	}
	s := &stream{cp: c, ctx: ctx, srv: srv, remote: remote, kick: make(chan struct{}, 1), acks: make(chan struct{}, 1)}
	s.seen.Store(time.Now().UnixNano())
	// The watchdog (see watchdog) follows the stream from the start, so a
	// peer that never says hello is closed too.
	c.mu.Lock()
	c.streams[s] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.streams, s)
		c.mu.Unlock()
	}()

	first, err := srv.Recv()
	if err != nil {
		c.log.Warn("cluster connection closed before the data plane said hello", "remote", remote, "error", err)
		return status.Error(codes.InvalidArgument, "expected hello")
	}
	if err := s.accept(first); err != nil {
		return err
	}
	s.ready.Store(true)
	c.dps.connect(s.id, 1)
	defer func() {
		s.ready.Store(false)
		c.dps.connect(s.id, -1)
	}()
	if h := s.hello.TransferError; h != "" {
		c.log.Warn("data plane did not apply the last push: its connection broke mid-transfer; it keeps running its previous configuration",
			"node_id", s.id, "error", bounded(h, 4096))
	}
	c.log.Info("data plane connected", "node_id", s.id, "hostname", s.hello.Hostname, "remote", remote,
		"version", s.hello.Version, "config_version", s.hello.ConfigVersion, "config_hash", s.hello.ConfigHash)

	sendCtx, stopSend := context.WithCancel(ctx)
	sent := make(chan struct{})
	c.wg.Go(func() { defer close(sent); s.sendLoop(sendCtx) })
	defer func() {
		stopSend()
		select {
		case <-sent:
		case <-time.After(time.Second):
			// A send is stuck on a peer that does not read: close its
			// connection, which ends only this data plane's stream.
			closeConn(ctx)
			<-sent
		}
	}()
	s.nudge()
	err = s.recvLoop()
	c.log.Info("data plane disconnected", "node_id", s.id, "remote", remote, "reason", err)
	return err
}

// accept checks a DP's hello: identity, version rule. A refused DP gets a
// Refused message and keeps its row with the status saying why.
func (s *stream) accept(msg *clusterpb.DPMessage) error {
	c := s.cp
	h := msg.GetHello()
	if h == nil || h.NodeId == "" {
		c.log.Warn("cluster connection closed: the first message is not a hello with a node id", "remote", s.remote)
		return status.Error(codes.InvalidArgument, "the first message must be a hello with a node id")
	}
	if len(h.NodeId) > 64 || len(h.Labels) > 10 || len(h.Plugins) > 1000 {
		c.log.Warn("cluster connection closed: hello out of bounds", "remote", s.remote)
		return status.Error(codes.InvalidArgument, "hello out of bounds")
	}
	h.Hostname, h.Version = bounded(h.Hostname, 256), bounded(h.Version, 64)
	h.Plugins = c.pluginSet(h.Plugins)
	s.id, s.hello = h.NodeId, h
	s.running, s.hash = h.ConfigVersion, h.ConfigHash
	expiry := int64(0)
	if ci, ok := clustertls.FromContext(s.srv.Context()); ok && len(ci.State.PeerCertificates) > 0 {
		expiry = ci.State.PeerCertificates[0].NotAfter.Unix()
	}
	ip, _, _ := net.SplitHostPort(s.remote)
	vErr := checkVersion(c.opts.Version, h.Version)
	c.dps.update(s.id, func(dp *DataPlane) {
		now := time.Now().Unix()
		dp.Hostname, dp.IP, dp.Version = h.Hostname, ip, h.Version
		dp.Labels = h.Labels
		if dp.Labels == nil {
			dp.Labels = map[string]string{}
		}
		dp.ConfigHash, dp.ConfigVersion = h.ConfigHash, h.ConfigVersion
		dp.CertDetails.ExpiryTimestamp = expiry
		dp.LastSeen, dp.UpdatedAt = now, now
		dp.SyncStatus, dp.SyncDetail = StatusUnknown, ""
		if h.TransferError != "" {
			dp.LastRejection = &Rejection{Error: bounded(h.TransferError, 4096), At: now}
		}
		if vErr != nil {
			dp.SyncStatus, dp.SyncDetail = StatusVersionIncompatible, vErr.Error()
		}
	})
	if vErr != nil {
		c.log.Warn("data plane refused", "node_id", s.id, "hostname", h.Hostname, "remote", s.remote,
			"dp_version", h.Version, "cp_version", c.opts.Version, "sync_status", StatusVersionIncompatible, "reason", vErr.Error())
		_ = s.srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Refused{Refused: &clusterpb.Refused{SyncStatus: StatusVersionIncompatible, Reason: vErr.Error()}}})
		return status.Error(codes.FailedPrecondition, vErr.Error())
	}
	return s.srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Welcome{Welcome: &clusterpb.Welcome{CpVersion: c.opts.Version}}})
}

// recvLoop reads the DP's messages until the stream ends or one is bad.
func (s *stream) recvLoop() error {
	for {
		msg, err := s.srv.Recv()
		if err != nil {
			return err
		}
		s.seen.Store(time.Now().UnixNano())
		if err := s.handle(msg); err != nil {
			return err
		}
	}
}

// handle processes one message after the hello. Whatever a DP says only
// updates its own row; anything unexpected ends its stream.
func (s *stream) handle(msg *clusterpb.DPMessage) error {
	switch m := msg.GetMsg().(type) {
	case *clusterpb.DPMessage_Heartbeat:
		s.report(m.Heartbeat.GetConfigVersion(), bounded(m.Heartbeat.GetConfigHash(), 64))
		select {
		case s.acks <- struct{}{}:
		default:
		}
		return nil
	case *clusterpb.DPMessage_ApplyResult:
		s.result(m.ApplyResult)
		return nil
	}
	s.cp.log.Warn("cluster connection closed: unexpected message from data plane", "node_id", s.id, "remote", s.remote, "message", fmt.Sprintf("%T", msg.GetMsg()))
	return status.Error(codes.InvalidArgument, "unexpected message")
}

// watchdog closes the connection of every data plane silent longer than
// the timeout until ctx ends: one goroutine for all the streams, rather
// than one each.
func (c *ControlPlane) watchdog(ctx context.Context) {
	t := time.NewTicker(c.opts.Timing.Timeout / 5)
	defer t.Stop()
	var silent []*stream
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-c.opts.Timing.Timeout).UnixNano()
		silent = silent[:0]
		c.mu.Lock()
		for s := range c.streams {
			if s.seen.Load() < cutoff {
				silent = append(silent, s)
			}
		}
		c.mu.Unlock()
		for _, s := range silent {
			since := time.Since(time.Unix(0, s.seen.Load()))
			id := "" // a peer that never said hello has none
			if s.ready.Load() {
				id = s.id
			}
			c.log.Warn("closing a silent cluster connection", "node_id", id, "remote", s.remote, "silent_for", since.Round(time.Millisecond).String())
			closeConn(s.ctx)
		}
	}
}

func closeConn(ctx context.Context) {
	if ci, ok := clustertls.FromContext(ctx); ok {
		_ = ci.Close()
	}
}

// pluginSet returns the shared copy of the plugin set p (read-only from
// then on), keeping p as that copy when it is the first of its kind.
func (c *ControlPlane) pluginSet(p map[string]string) map[string]string {
	names := slices.Sorted(maps.Keys(p))
	var key strings.Builder
	for _, n := range names {
		key.WriteString(n)
		key.WriteByte(0)
		key.WriteString(p[n])
		key.WriteByte(0)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pluginSets == nil {
		c.pluginSets = map[string]map[string]string{}
	}
	if shared, ok := c.pluginSets[key.String()]; ok {
		return shared
	}
	// Bounded: a CP serving many builds at once keeps their sets, not
	// every hello's.
	if len(c.pluginSets) < 64 {
		c.pluginSets[key.String()] = p
	}
	return p
}
