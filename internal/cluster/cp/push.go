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
	pace := time.NewTimer(time.Hour)
	pace.Stop()
	defer pace.Stop()
	for {
		var (
			err  error
			wait time.Duration
		)
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			wait, err = s.push()
		case <-retry.C:
			wait, err = s.push()
		case <-pace.C:
			wait, err = s.push()
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
		if wait > 0 {
			pace.Reset(wait)
		}
	}
}

// push sends the current version to the DP when it needs it and may get
// it: plugin rules pass, it does not run it yet, no push is awaiting an
// answer, it has not rejected that very configuration, and the pause after
// its last answer is over; otherwise it returns how long that pause still
// lasts, for the caller to try again then.
func (s *stream) push() (time.Duration, error) {
	c := s.cp
	v := c.hist.current()
	if v == nil {
		return 0, nil
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
		s.mu.Lock()
		s.status = p.status
		s.mu.Unlock()
		return 0, nil
	}
	// The row changes only when the status does: a push to every data
	// plane of a fleet does not take the registry's lock once each.
	s.mu.Lock()
	changed := s.status != StatusNormal
	s.status = StatusNormal
	s.mu.Unlock()
	if changed {
		c.dps.update(s.id, func(dp *DataPlane) { dp.SyncStatus, dp.SyncDetail = StatusNormal, "" })
	}
	if v.tooLarge {
		return 0, nil
	}
	s.mu.Lock()
	s.warned = ""
	now := time.Now()
	skip := s.hash == v.hash && !s.wantFull || s.rejected == v.hash ||
		s.inflight != 0 && now.Sub(s.sentAt) < c.opts.Timing.Timeout
	wait := s.pacedLocked(now)
	running, hash := s.running, s.hash
	if !skip && wait == 0 {
		s.inflight, s.sentAt = v.n, now
		if s.wantFull {
			hash, s.wantFull = "", false // the whole version, for the DP's cache
		}
	}
	s.mu.Unlock()
	if skip || wait > 0 {
		return wait, nil
	}
	enc, delta := c.payloadFor(v, running, hash)
	if enc.Encoded == nil {
		// v was replaced before its full payload was built: the newer
		// version's notice brings this stream back.
		s.mu.Lock()
		s.inflight = 0
		s.mu.Unlock()
		return 0, nil
	}
	push := &clusterpb.ConfigPush{Version: v.n, Hash: v.hash, Tree: v.tree, Delta: delta, Payload: enc.Payload, Checksum: enc.Checksum}
	if enc.sig != nil {
		push.Signature, push.SignerChain = enc.sig, enc.chain
	}
	if delta {
		push.BaseVersion, push.BaseHash = running, hash
	}
	chunks := chunk(push, c.opts.MaxPayload)
	for i, m := range chunks {
		if err := s.srv.Send(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Config{Config: m}}); err != nil {
			return 0, fmt.Errorf("push config version %d (chunk %d of %d): %w", v.n, i+1, len(chunks), err)
		}
	}
	c.log.Debug("configuration pushed", "node_id", s.id, "config_version", v.n, "delta", delta, "bytes", len(enc.Payload), "chunks", len(chunks))
	return 0, nil
}

// chunk splits p into messages whose payloads are at most max bytes: p
// itself when it fits, else copies of its header (signature included) with chunk_index,
// chunk_count and payload_size set, each holding the next part of the
// payload (sub-slices: nothing is copied).
func chunk(p *clusterpb.ConfigPush, max int) []*clusterpb.ConfigPush {
	if len(p.Payload) <= max {
		return []*clusterpb.ConfigPush{p}
	}
	n := (len(p.Payload) + max - 1) / max
	out := make([]*clusterpb.ConfigPush, 0, n)
	for i := range n {
		part := p.Payload[i*max : min((i+1)*max, len(p.Payload))]
		out = append(out, &clusterpb.ConfigPush{
			Version: p.Version, Hash: p.Hash, Tree: p.Tree, Delta: p.Delta, BaseVersion: p.BaseVersion, BaseHash: p.BaseHash,
			Payload: part, Checksum: p.Checksum, Signature: p.Signature, SignerChain: p.SignerChain,
			ChunkIndex: uint32(i), ChunkCount: uint32(n), PayloadSize: uint64(len(p.Payload)),
		})
	}
	return out
}
