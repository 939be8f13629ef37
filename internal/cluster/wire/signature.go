package wire

import (
	"crypto/sha256"
	"encoding/binary"
)

// Signature is a control plane's signature of one payload it pushed (a
// full payload or a delta), as kept in the config cache: a data plane
// given a cache by a peer checks with it that the control plane made
// every payload, and that each step yields the signed configuration.
type Signature struct {
	Version int64  // the version the payload brings a data plane to
	Hash    string // the hash of the configuration after the payload
	Sig     []byte // over SignedDigest(Version, Hash, payload)
	Chain   [][]byte
}

// signContext separates these digests from any other use of the key.
const signContext = "gantry config payload signature v1\x00"

// SignedDigest is what a control plane signs for a payload: SHA-256 of a
// context string, the version, the hash and the payload, each length
// delimited.
func SignedDigest(version int64, hash string, payload []byte) []byte {
	h := sha256.New()
	var b []byte
	b = append(b, signContext...)
	b = binary.BigEndian.AppendUint64(b, uint64(version))
	b = binary.BigEndian.AppendUint32(b, uint32(len(hash)))
	b = append(b, hash...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(payload)))
	h.Write(b)
	h.Write(payload)
	return h.Sum(nil)
}

// maxChain bounds the certificates of a signer chain read from a cache:
// a leaf and at most a few intermediates.
const maxChain = 8

// appendSig appends a signature block: a presence byte and, when present,
// the version, hash, signature and certificate chain.
func appendSig(b []byte, s *Signature) []byte {
	if s == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint64(b, uint64(s.Version))
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Hash)))
	b = append(b, s.Hash...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Sig)))
	b = append(b, s.Sig...)
	b = append(b, byte(len(s.Chain)))
	for _, der := range s.Chain {
		b = binary.BigEndian.AppendUint32(b, uint32(len(der)))
		b = append(b, der...)
	}
	return b
}

// sig reads a block appendSig wrote.
func (r *reader) sig() *Signature {
	switch r.u8() {
	case 0:
		return nil
	case 1:
	default:
		r.bad = true
		return nil
	}
	s := &Signature{Version: int64(r.u64())}
	s.Hash = string(r.bytes(int(r.u16())))
	s.Sig = r.bytes(int(r.u16()))
	n := int(r.u8())
	if n > maxChain {
		r.bad = true
		return nil
	}
	for range n {
		s.Chain = append(s.Chain, r.bytes(int(r.u32())))
	}
	return s
}
