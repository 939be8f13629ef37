package cp

import (
	"context"
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
)

// sendLoop is the only goroutine sending on a DP's stream: configuration
// pushes when kicked, heartbeat answers when asked. It ends with ctx or on
// the first failed send.
func (s *stream) sendLoop(ctx context.Context) {
	retry := time.NewTicker(s.cp.opts.Timing.Timeout / 3)
	defer retry.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			err = s.push()
		case <-retry.C:
			err = s.push()
		case <-s.acks:
			exp, _ := s.cp.Current()
			err = s.srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_HeartbeatAck{HeartbeatAck: &clusterpb.HeartbeatAck{ExpectedVersion: exp}}})
		}
		if err != nil {
			if ctx.Err() == nil {
				s.cp.log.Info("cannot send to data plane", "node_id", s.id, "remote", s.remote, "error", err)
			}
			return
		}
	}
}

// push sends the current version to the DP when it needs it and may get
// it: plugin rules pass, it does not run it yet, no push is awaiting an
// answer, and it has not rejected that very configuration.
func (s *stream) push() error {
	c := s.cp
	v := c.hist.current()
	if v == nil {
		return nil
	}
	if p := checkPlugins(v.plugins, c.opts.Plugins, s.hello.Plugins); p != nil {
		msg := p.String()
		s.mu.Lock()
		first := s.warned != msg
		s.warned = msg
		s.mu.Unlock()
		if first {
			c.log.Warn("configuration not pushed to data plane: "+msg, "node_id", s.id, "hostname", s.hello.Hostname,
				"plugin", p.plugin, "cp_plugin_version", p.cpVersion, "dp_plugin_version", p.dpVersion,
				"config_version", v.n, "sync_status", p.status)
		}
		c.dps.update(s.id, func(dp *DataPlane) { dp.SyncStatus, dp.SyncDetail = p.status, msg })
		return nil
	}
	c.dps.update(s.id, func(dp *DataPlane) { dp.SyncStatus, dp.SyncDetail = StatusNormal, "" })
	if v.tooLarge {
		return nil
	}
	s.mu.Lock()
	s.warned = ""
	skip := s.hash == v.hash || s.rejected == v.hash ||
		s.inflight != 0 && time.Since(s.sentAt) < c.opts.Timing.Timeout
	running, hash := s.running, s.hash
	if !skip {
		s.inflight, s.sentAt = v.n, time.Now()
	}
	s.mu.Unlock()
	if skip {
		return nil
	}
	enc, delta := c.payloadFor(v, running, hash)
	push := &clusterpb.ConfigPush{Version: v.n, Hash: v.hash, Delta: delta, Payload: enc.Payload, Checksum: enc.Checksum}
	if delta {
		push.BaseVersion, push.BaseHash = running, hash
	}
	if err := s.srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Config{Config: push}}); err != nil {
		return fmt.Errorf("push config version %d: %w", v.n, err)
	}
	c.log.Debug("configuration pushed", "node_id", s.id, "config_version", v.n, "delta", delta, "bytes", len(enc.Payload))
	return nil
}
