package dp

import (
	"bytes"
	"fmt"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
)

// assembly reassembles one chunked push (see clusterpb.ConfigPush): the
// first chunk's header, the payload received so far, and the index of the
// chunk expected next. A session owns at most one.
type assembly struct {
	head *clusterpb.ConfigPush
	buf  []byte
	next uint32
	// skip is set after a rejected chunk: the rest of that push's chunks
	// are dropped without another answer.
	skip bool
}

func sameHeader(a, b *clusterpb.ConfigPush) bool {
	return a.Version == b.Version && a.Hash == b.Hash && a.Tree == b.Tree && a.Delta == b.Delta && a.BaseVersion == b.BaseVersion &&
		a.BaseHash == b.BaseHash && a.Checksum == b.Checksum && a.ChunkCount == b.ChunkCount && a.PayloadSize == b.PayloadSize &&
		bytes.Equal(a.Signature, b.Signature)
}

// gather takes one ConfigPush message. It returns the whole push when p
// completes one (p itself when it is not chunked), or an error saying why
// the push p belongs to is rejected, or neither while chunks are missing.
// Every message is at most cluster_max_payload, and a chunked payload at
// most cluster_max_config_size: the buffer is allocated once, at the
// announced size, after that check.
func (s *session) gather(p *clusterpb.ConfigPush) (*clusterpb.ConfigPush, error) {
	a := s.a
	if len(p.Payload) > a.opts.MaxPayload {
		s.asm = nil
		return nil, fmt.Errorf("payload of %d bytes is above cluster_max_payload (%d)", len(p.Payload), a.opts.MaxPayload)
	}
	if p.ChunkCount <= 1 {
		s.dropPartial("a new push arrived")
		return p, nil
	}
	if p.ChunkIndex == 0 {
		s.dropPartial("a new push arrived")
		switch {
		case p.PayloadSize > uint64(a.opts.MaxConfigSize):
			s.asm = &assembly{head: p, skip: true}
			return nil, fmt.Errorf("chunked payload of %d bytes is above cluster_max_config_size (%d)", p.PayloadSize, a.opts.MaxConfigSize)
		case uint64(p.ChunkCount) > p.PayloadSize:
			s.asm = &assembly{head: p, skip: true}
			return nil, fmt.Errorf("chunked push announces %d chunks for %d bytes", p.ChunkCount, p.PayloadSize)
		}
		s.asm = &assembly{head: p, buf: make([]byte, 0, p.PayloadSize)}
	}
	asm := s.asm
	if asm == nil || !sameHeader(asm.head, p) || p.ChunkIndex != asm.next {
		want := "chunk 1"
		if asm != nil && !asm.skip {
			want = fmt.Sprintf("chunk %d of %d of version %d", asm.next+1, asm.head.ChunkCount, asm.head.Version)
		}
		if asm != nil && asm.skip && sameHeader(asm.head, p) {
			return nil, nil
		}
		s.asm = &assembly{head: p, skip: true}
		return nil, fmt.Errorf("interrupted transfer: received chunk %d of %d of version %d, expected %s", p.ChunkIndex+1, p.ChunkCount, p.Version, want)
	}
	if asm.skip {
		return nil, nil
	}
	if uint64(len(asm.buf)+len(p.Payload)) > p.PayloadSize {
		asm.skip = true
		return nil, fmt.Errorf("chunked push of version %d is longer than its announced %d bytes", p.Version, p.PayloadSize)
	}
	asm.buf = append(asm.buf, p.Payload...)
	asm.next++
	if asm.next < p.ChunkCount {
		return nil, nil
	}
	s.asm = nil
	if uint64(len(asm.buf)) != p.PayloadSize {
		return nil, fmt.Errorf("chunked push of version %d has %d bytes, announced %d", p.Version, len(asm.buf), p.PayloadSize)
	}
	whole := &clusterpb.ConfigPush{
		Version: p.Version, Hash: p.Hash, Tree: p.Tree, Delta: p.Delta, BaseVersion: p.BaseVersion, BaseHash: p.BaseHash,
		Payload: asm.buf, Checksum: p.Checksum, Signature: p.Signature, SignerChain: p.SignerChain,
	}
	return whole, nil
}

// dropPartial forgets a chunked push left incomplete, logging why.
func (s *session) dropPartial(why string) {
	asm := s.asm
	s.asm = nil
	if asm == nil || asm.skip {
		return
	}
	s.a.log.Warn("chunked configuration push abandoned; the running configuration keeps serving", "control_plane", s.addr,
		"config_version", asm.head.Version, "config_hash", asm.head.Hash, "chunks_received", asm.next, "chunks", asm.head.ChunkCount, "reason", why)
}

// interrupted records that the connection broke in the middle of a
// chunked push, for the status and the next hello.
func (s *session) interrupted(cause error) {
	asm := s.asm
	s.asm = nil
	if asm == nil || asm.skip {
		return
	}
	msg := fmt.Sprintf("interrupted transfer: the connection to %s broke after chunk %d of %d of version %d (%v); the running configuration keeps serving",
		s.addr, asm.next, asm.head.ChunkCount, asm.head.Version, cause)
	s.a.log.Error("configuration rejected; the previous configuration keeps serving", "config_version", asm.head.Version, "config_hash", asm.head.Hash, "error", msg)
	s.a.mu.Lock()
	s.a.transferErr = msg
	s.a.status.LastError = msg
	s.a.mu.Unlock()
}
