package dp

import (
	"context"
	"errors"
	"fmt"
	"github.com/gantryhq/gantry/internal/settings"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/yield"
)

// session is one connection to one control plane, from dial to loss.
type session struct {
	a      *Agent
	addr   string
	st     clusterpb.Cluster_ConnectClient
	sendMu sync.Mutex // gRPC streams allow one sender at a time
	seen   atomic.Int64
	// busy is set while recvLoop applies a push: the CP's messages wait
	// unread meanwhile, which is not the CP being silent.
	busy atomic.Bool
	asm  *assembly // the chunked push being received; recvLoop's own
}

func (a *Agent) session(ctx context.Context, addr string) error {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(clustertls.NodeCreds(clustertls.RoleDataPlane, a.opts.Source, a.opts.TLS, a.opts.Cert, a.log)),
		// Push messages somewhat above cluster_max_payload still arrive,
		// so the DP can reject them and tell the CP why instead of
		// dropping the connection (and being sent the same push again on
		// reconnect). Larger payloads come in chunks (see gather).
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(4*a.opts.MaxPayload+1<<20)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: a.opts.Timing.Heartbeat, Timeout: a.opts.Timing.Timeout, PermitWithoutStream: true}),
	)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := clusterpb.NewClusterClient(conn).Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w%s", addr, err, hint(err))
	}
	s := &session{a: a, addr: addr, st: st}
	s.seen.Store(time.Now().UnixNano())

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { s.watchdog(ctx, cancel) })

	if err := s.hello(); err != nil {
		return fmt.Errorf("%w%s", err, hint(err))
	}
	a.setStatus(func(st *Status) { st.Connected, st.ControlPlane, st.LastError = true, addr, "" })
	// At notice, the default level: an operator sees the connection come
	// and, after a loss (logged as a warning), come back.
	a.everConnected = true
	if lost := a.lostAt; lost.IsZero() {
		a.log.Log(context.Background(), settings.LevelNotice, "connected to the control plane", "control_plane", addr)
	} else {
		a.log.Log(context.Background(), settings.LevelNotice, "connection to the control plane restored", "control_plane", addr,
			"down_for", time.Since(lost).Round(time.Millisecond).String())
		a.lostAt = time.Time{}
	}
	wg.Go(func() { s.heartbeats(ctx) })
	return s.recvLoop(ctx)
}

// hint says what a connection error usually means, "" when nothing
// useful can be said.
func hint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "first record does not look like a TLS handshake"),
		strings.Contains(msg, "http2: frame too large"), strings.Contains(msg, "malformed HTTP response"):
		return " (this address does not speak the cluster protocol over TLS: is cluster_control_plane the control plane's cluster_listen, port 8005 by default, rather than its Admin API or proxy?)"
	}
	return ""
}

// hello says who this DP is and waits for the CP's welcome or refusal.
func (s *session) hello() error {
	a := s.a
	run := a.current()
	h := &clusterpb.Hello{
		NodeId: a.opts.NodeID, Hostname: a.opts.Hostname, Version: a.opts.Version,
		Plugins: a.opts.Plugins, Labels: a.opts.Labels,
		ConfigVersion: run.version, ConfigHash: run.hash(),
	}
	a.mu.Lock()
	h.TransferError, a.transferErr = a.transferErr, ""
	a.mu.Unlock()
	if err := s.send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Hello{Hello: h}}); err != nil {
		return fmt.Errorf("send hello to %s: %w", s.addr, err)
	}
	msg, err := s.st.Recv()
	if err != nil {
		return fmt.Errorf("control plane %s: %w", s.addr, err)
	}
	s.seen.Store(time.Now().UnixNano())
	switch m := msg.Msg.(type) {
	case *clusterpb.CPMessage_Welcome:
		return nil
	case *clusterpb.CPMessage_Refused:
		a.log.Error("the control plane refused this data plane", "control_plane", s.addr,
			"sync_status", m.Refused.SyncStatus, "reason", m.Refused.Reason)
		return fmt.Errorf("%w (%s): %s", errRefused, m.Refused.SyncStatus, m.Refused.Reason)
	}
	return errors.New("control plane did not answer the hello with a welcome")
}

func (s *session) send(m *clusterpb.DPMessage) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.st.Send(m)
}

// recvLoop applies every push, in order, and answers each.
func (s *session) recvLoop(ctx context.Context) error {
	for {
		msg, err := s.st.Recv()
		if err != nil {
			s.interrupted(err)
			return fmt.Errorf("control plane %s: %w", s.addr, err)
		}
		s.seen.Store(time.Now().UnixNano())
		switch m := msg.Msg.(type) {
		case *clusterpb.CPMessage_Config:
			push, err := s.gather(m.Config)
			var res *clusterpb.ApplyResult
			switch {
			case err != nil:
				res = s.a.rejectPush(m.Config, err)
			case push == nil:
				continue // more chunks to come
			default:
				s.busy.Store(true)
				yield.Apart(func() { res = s.a.applyPush(ctx, push) })
				s.seen.Store(time.Now().UnixNano())
				s.busy.Store(false)
			}
			if err := s.send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_ApplyResult{ApplyResult: res}}); err != nil {
				return fmt.Errorf("report to %s: %w", s.addr, err)
			}
		case *clusterpb.CPMessage_HeartbeatAck:
		case *clusterpb.CPMessage_Refused:
			s.interrupted(errors.New("refused"))
			return fmt.Errorf("%w (%s): %s", errRefused, m.Refused.SyncStatus, m.Refused.Reason)
		default:
			s.interrupted(errors.New("unexpected message"))
			return fmt.Errorf("control plane %s sent an unexpected %T; reconnecting", s.addr, msg.Msg)
		}
	}
}

// heartbeats reports the running hash every Heartbeat. After an apply the
// ApplyResult reports it: a heartbeat then too cost every data plane and
// the control plane two more messages (and the CP's ack) per change.
func (s *session) heartbeats(ctx context.Context) {
	t := time.NewTicker(s.a.opts.Timing.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		run := s.a.current()
		hb := &clusterpb.Heartbeat{ConfigVersion: run.version, ConfigHash: run.hash()}
		if err := s.send(&clusterpb.DPMessage{Msg: &clusterpb.DPMessage_Heartbeat{Heartbeat: hb}}); err != nil {
			return
		}
	}
}

// watchdog ends the session when the CP stays silent past the timeout.
func (s *session) watchdog(ctx context.Context, cancel context.CancelFunc) {
	t := time.NewTicker(s.a.opts.Timing.Timeout / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if silent := time.Since(time.Unix(0, s.seen.Load())); silent > s.a.opts.Timing.Timeout && !s.busy.Load() {
				s.a.log.Warn("the control plane is silent; dropping the connection", "control_plane", s.addr, "silent_for", silent.Round(time.Millisecond).String())
				cancel()
				return
			}
		}
	}
}
