package cp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
)

// version is one configuration version, built once and shared read-only by
// every data plane's stream.
type version struct {
	n    int64
	hash string
	tree string // the digest's tree (see entity.Digest), pushed with hash
	// digest is the configuration's digest, with its entities' encodings:
	// deltas are worked out between two versions' digests
	// (wire.DiffDigests), and the full payload is made from it.
	digest  entity.Digest
	count   int      // entities
	size    int      // the full payload's size decompressed
	plugins []string // plugin names configured, sorted
	// tooLarge is set when the configuration, decompressed, exceeds
	// cluster_max_config_size: such a version is never pushed. (A payload
	// above cluster_max_payload is pushed in chunks.)
	tooLarge bool

	mu     sync.Mutex
	deltas map[int64]signed // by base version; nil Encoded: no useful delta
	// full is the full payload, built by the first push that needs it
	// from cfg and the digest's encodings; cfg is then dropped (as it is
	// when a newer version is published: only the current version is
	// pushed).
	full signed
	cfg  *entity.Config
}

// fullPayload returns v's full payload, building and signing it on first
// use; its Encoded is nil when v is no longer current and was never built
// (the caller pushes the current version instead).
func (c *ControlPlane) fullPayload(v *version) signed {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.full.Encoded != nil || v.cfg == nil {
		return v.full
	}
	start := time.Now()
	full, err := c.codec.EncodeFullWith(v.n, v.hash, v.cfg, func(e entity.Entity) ([]byte, error) {
		canon, ok := v.digest.Encoding(e)
		if !ok {
			return nil, fmt.Errorf("no encoding of %s %s", e.EntityKind(), e.GetID())
		}
		return entity.Marshal(e, canon)
	})
	v.cfg = nil
	if err != nil {
		c.log.Error("cannot encode the full configuration", "config_version", v.n, "error", err)
		return signed{}
	}
	v.full = c.sign(full)
	c.log.Info("full configuration payload built", "config_version", v.n, "bytes", full.Size, "compressed_bytes", len(full.Payload),
		"took", time.Since(start).Round(time.Millisecond).String())
	return v.full
}

// drop forgets what building v's full payload needs, once v is no longer
// current.
func (v *version) drop() {
	v.mu.Lock()
	v.cfg = nil
	v.mu.Unlock()
}

// signed is a payload and the control plane's signature of it (nil when
// signing failed), made once and sent to every data plane it suits.
type signed struct {
	*wire.Encoded
	sig   []byte
	chain [][]byte // the signer's certificate chain (DER, leaf first)
}

// sign signs enc for data planes to keep in their config cache (see
// wire.Signature). A failure is logged and leaves the payload unsigned:
// data planes still apply it, but cannot offer it to their peers.
func (c *ControlPlane) sign(enc *wire.Encoded) signed {
	cert := c.opts.Cert
	if c.opts.Source != nil { // the certificate in use now, after any rotation
		cert = c.opts.Source.Current().Cert
	}
	if cert == nil { // a control plane made by hand in a test
		return signed{Encoded: enc}
	}
	sig, err := cert.Sign(wire.SignedDigest(enc.Version, enc.Hash, enc.Payload))
	if err != nil {
		c.log.Warn("cannot sign the configuration payload; data planes will not offer it to peers", "config_version", enc.Version, "error", err)
		return signed{Encoded: enc}
	}
	return signed{Encoded: enc, sig: sig, chain: cert.TLS.Certificate}
}

// history holds the current version and a bounded number before it, so a
// data plane a few versions behind gets a delta.
type history struct {
	mu   sync.Mutex
	list []*version // oldest first; the last is current
	max  int
}

func (h *history) current() *version {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.list) == 0 {
		return nil
	}
	return h.list[len(h.list)-1]
}

func (h *history) find(n int64, hash string) *version {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.list {
		if v.n == n && v.hash == hash {
			return v
		}
	}
	return nil
}

func (h *history) push(v *version) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, v)
	if len(h.list) > h.max {
		h.list = append([]*version(nil), h.list[len(h.list)-h.max:]...)
	}
}

// Publish makes cfg the configuration pushed to data planes: when its hash
// differs from the current version's, it builds a new version, keeps it in
// the history for deltas and wakes every stream. It never reads the store.
//
// cfg must have passed cfg.Validate, and its entities must not be modified
// afterwards: an entity handed in again (the same pointer) is taken to be
// unchanged, and its encoding is reused. d is cfg's digest (d.Hash ==
// cfg.Hash()); made with cfg.DigestCached, it also provides the entities'
// encodings, so that building the version encodes none of them again. rev
// is the store revision cfg reflects. The version number is rev, raised
// above the current version's when it is not greater, so a data plane's
// version stays meaningful when it reconnects. Calls are serialised; a
// failure leaves the current version in place.
func (c *ControlPlane) Publish(ctx context.Context, cfg *entity.Config, d entity.Digest, rev int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	if c.stopped {
		return errors.New("cluster: the control plane has stopped")
	}
	start := time.Now()
	hash := d.Hash
	prev := c.hist.current()
	if prev != nil && prev.hash == hash {
		return nil
	}
	if prev != nil && rev <= prev.n {
		rev = prev.n + 1
	}
	count, size := versionSize(d)
	if count < 0 { // a digest without encodings: made here, once
		d = cfg.DigestCached(&entity.DigestCache{})
		count, size = versionSize(d)
	}
	var names []string
	for _, p := range cfg.Plugins {
		names = append(names, p.Name)
	}
	v := &version{n: rev, hash: hash, tree: d.Tree, digest: d, count: count, size: size, plugins: usedPlugins(names), deltas: map[int64]signed{}, cfg: cfg}
	if size > c.opts.MaxConfigSize {
		v.tooLarge = true
		c.log.Error("configuration is too large to push: raise cluster_max_config_size or reduce the configuration",
			"config_version", rev, "config_hash", hash, "bytes", size, "cluster_max_config_size", c.opts.MaxConfigSize)
	}
	c.hist.push(v)
	if prev != nil {
		prev.drop()
	}
	c.log.Info("new configuration version", "config_version", rev, "config_hash", hash, "entities", count, "bytes", size,
		"took", time.Since(start).Round(time.Millisecond).String())
	c.notifyAll()
	return nil
}

// versionSize returns how many entities d was computed from and the size
// of the full payload made from them (wire.EncodeFullWith's document, each
// entity as entity.Marshal gives it, within a few bytes per kind), worked
// out without making it; -1, 0 when d keeps no encodings.
func versionSize(d entity.Digest) (count, size int) {
	count, size, ok := d.Sizes()
	if !ok {
		return -1, 0
	}
	size += 64
	for _, k := range entity.Kinds {
		size += len(k) + 6
	}
	return count, size
}

// stop makes later Publish calls fail, before Run closes the codec.
func (c *ControlPlane) stop() {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.stopped = true
}

// payloadFor returns what to send a DP running (base, baseHash) to bring it
// to v: a delta when the base is in the history and the delta is small,
// else the full payload. Deltas are encoded and signed once per base and
// shared.
//
// The full payload is built on first use (fullPayload): a change that every
// data plane receives as a delta never costs encoding and compressing the
// whole configuration. enc.Encoded is nil when v stopped being current
// before its full payload was built; the caller pushes the current version
// instead.
func (c *ControlPlane) payloadFor(v *version, base int64, baseHash string) (enc signed, delta bool) {
	from := c.hist.find(base, baseHash)
	if from == nil || from == v || baseHash == "" {
		return c.fullPayload(v), false
	}
	v.mu.Lock()
	d, ok := v.deltas[base]
	if !ok {
		diff, ok, err := wire.DiffDigests(from.digest, v.digest)
		// A delta is worth it only when it is much smaller than the whole
		// (compared decompressed: the full payload may not be built).
		if ok && err == nil && diff.Size() < v.count {
			if e, err := c.codec.EncodeDelta(v.n, v.hash, diff); err == nil && e.Size < v.size/2 {
				d = c.sign(e)
			}
		}
		v.deltas[base] = d
	}
	v.mu.Unlock()
	if d.Encoded == nil {
		return c.fullPayload(v), false
	}
	return d, true
}
