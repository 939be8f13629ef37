package dp

import (
	"context"
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
)

// applyPush decodes, validates and applies one push, writes the cache and
// says how it went. A rejected push leaves the running config in service.
func (a *Agent) applyPush(ctx context.Context, p *clusterpb.ConfigPush) *clusterpb.ApplyResult {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	start := time.Now()
	run := a.current()
	res := &clusterpb.ApplyResult{Version: p.Version, Hash: p.Hash}
	finish := func() *clusterpb.ApplyResult {
		now := a.current()
		res.RunningVersion, res.RunningHash = now.version, now.hash()
		return res
	}
	if p.Hash == run.hash() {
		a.mu.Lock()
		a.run.version = p.Version
		a.mu.Unlock()
		if !p.Delta && len(p.Signature) > 0 && a.cacheWantsFull() && wire.Checksum(p.Payload) == p.Checksum {
			// The full payload the cache asked for, of the configuration
			// running: stored as received, signature and all (a start
			// from the cache decodes it and checks its hash).
			a.storeCache(&wire.Cached{Version: p.Version, Hash: p.Hash, Payload: p.Payload, Checksum: p.Checksum, Sig: pushSig(p)})
		}
		res.Ok = true
		res.CacheWantsFull = len(p.Signature) > 0 && a.cacheWantsFull()
		return finish()
	}
	if len(p.Payload) > a.opts.MaxConfigSize {
		return a.reject(res, finish, fmt.Errorf("payload of %d bytes is above cluster_max_config_size (%d)", len(p.Payload), a.opts.MaxConfigSize))
	}
	var (
		v   entity.Valid
		err error
	)
	if p.Delta {
		if p.BaseHash != run.hash() || run.cfg.IsZero() {
			a.log.Info("delta does not apply to the running configuration; asking for the whole configuration", "config_version", p.Version)
			res.Resync = true
			return finish()
		}
		// The digest reuses the encodings of the entities the running
		// config shares with the result.
		v, err = a.codec.DecodeDelta(run.cfg.Config(), p.Payload, p.Checksum, a.opts.ValidatePlugin, &a.digests, entity.Claim{Hash: p.Hash, Tree: p.Tree})
	} else {
		// A full push shares no entity with the running config: the cache
		// starts again from it, so the first delta after it is as cheap as
		// the others.
		v, err = a.codec.DecodeFull(p.Payload, p.Checksum, a.opts.ValidatePlugin, &a.digests, entity.Claim{Hash: p.Hash, Tree: p.Tree})
	}
	if err != nil {
		return a.reject(res, finish, err)
	}
	hash := v.Hash()
	if hash != p.Hash {
		if p.Delta {
			a.log.Warn("configuration built from a delta differs from the control plane's; asking for the whole configuration",
				"config_version", p.Version, "expected_hash", p.Hash, "hash", hash)
			res.Resync = true
			return finish()
		}
		a.log.Warn("configuration hash differs from the control plane's (a field this node does not know?)",
			"config_version", p.Version, "expected_hash", p.Hash, "hash", hash)
	}
	if err := a.install(ctx, v, p.Version, "control_plane"); err != nil {
		return a.reject(res, finish, err)
	}
	a.writeCache(p, v.Config(), hash)
	res.CacheWantsFull = hash == p.Hash && len(p.Signature) > 0 && a.cacheWantsFull()
	a.log.Info("configuration push applied", "config_version", p.Version, "delta", p.Delta, "compressed_bytes", len(p.Payload),
		"took", time.Since(start).Round(time.Millisecond).String())
	res.Ok = true
	return finish()
}

// rejectPush answers a push refused before it could be applied (see
// session.gather): the running configuration stays.
func (a *Agent) rejectPush(p *clusterpb.ConfigPush, err error) *clusterpb.ApplyResult {
	res := &clusterpb.ApplyResult{Version: p.Version, Hash: p.Hash}
	return a.reject(res, func() *clusterpb.ApplyResult {
		now := a.current()
		res.RunningVersion, res.RunningHash = now.version, now.hash()
		return res
	}, err)
}

func (a *Agent) reject(res *clusterpb.ApplyResult, finish func() *clusterpb.ApplyResult, err error) *clusterpb.ApplyResult {
	a.log.Error("configuration rejected; the previous configuration keeps serving", "config_version", res.Version, "config_hash", res.Hash, "error", err)
	res.Error = err.Error()
	return finish()
}

// writeCache stores the running config in the prefix. A full push is
// cached as received, and a delta is appended to the cache as received
// while the chain stays short, each with the control plane's signature;
// otherwise (a config whose hash differs from the CP's, a long chain) the
// running config is encoded anew, and that cache, carrying no signature,
// serves this node's restarts but is never offered to peers. a.applyMu is
// held.
func (a *Agent) writeCache(p *clusterpb.ConfigPush, cfg *entity.Config, hash string) {
	var c *wire.Cached
	switch {
	case hash != p.Hash:
	case !p.Delta:
		c = &wire.Cached{Version: p.Version, Hash: hash, Payload: p.Payload, Checksum: p.Checksum, Sig: pushSig(p)}
	case a.cached != nil && a.cached.Hash == p.BaseHash:
		c, _ = a.cached.WithDelta(p.Version, hash, wire.CachedDelta{Payload: p.Payload, Checksum: p.Checksum, Sig: pushSig(p)})
	}
	if c == nil {
		enc, err := a.codec.EncodeFull(p.Version, hash, cfg)
		if err != nil {
			a.cached = nil
			a.log.Warn("cannot encode the config cache", "error", err)
			return
		}
		c = &wire.Cached{Version: p.Version, Hash: hash, Payload: enc.Payload, Checksum: enc.Checksum}
	}
	a.storeCache(c)
}

// storeCache makes c this node's config cache: the file follows within
// cacheWriteDelay (cacheFile). a.applyMu is held.
func (a *Agent) storeCache(c *wire.Cached) {
	c.Writer = a.opts.NodeID
	a.cached = c
	a.file.store(c)
}

// cacheWantsFull reports whether the config cache holds payloads this node
// encoded itself (its chain of the control plane's deltas was full), so
// that it is not offered to peers until the control plane sends the whole
// configuration again (ApplyResult.cache_wants_full). a.applyMu is held.
func (a *Agent) cacheWantsFull() bool {
	return a.cached != nil && !a.cached.Signed()
}

// pushSig is the control plane's signature of p's payload, nil when p is unsigned.
func pushSig(p *clusterpb.ConfigPush) *wire.Signature {
	if len(p.Signature) == 0 {
		return nil
	}
	return &wire.Signature{Version: p.Version, Hash: p.Hash, Sig: p.Signature, Chain: p.SignerChain}
}
