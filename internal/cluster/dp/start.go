package dp

import (
	"context"
	"errors"
	"fmt"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// Initial implements pipeline.Starter: it loads the start configuration
// and applies it through apply, once: 1) a valid config cache, 2) else the
// signed cache of the first cluster_peers node whose cache verifies, 3)
// else declarative_config, 4) else an empty configuration. A damaged
// cache, a refused peer or a broken declarative file is logged and
// skipped; only a failure to apply even the empty configuration is an
// error.
func (a *Agent) Initial(ctx context.Context, sink pipeline.Sink) error {
	a.applyMu.Lock()
	a.apply = sink.Apply
	a.applyMu.Unlock()
	if err := a.startFromCache(ctx); err == nil {
		return nil
	} else if !errors.Is(err, wire.ErrNoCache) {
		a.log.Warn("config cache not used", "path", a.cachePath(), "error", err)
	}
	if len(a.opts.Peers) > 0 && a.startFromPeers(ctx) {
		return nil
	}
	if a.opts.DeclarativeConfig != "" {
		v, err := declarative.LoadFileValid(a.opts.DeclarativeConfig, declarative.Options{IgnoreUnknownNull: true, ValidatePlugin: a.opts.ValidatePlugin})
		if err == nil {
			if err = a.install(ctx, v, 0, "declarative_config"); err == nil {
				return nil
			}
		}
		a.log.Warn("declarative_config not used, starting empty", "path", a.opts.DeclarativeConfig, "error", err)
	}
	empty, err := (&entity.Config{}).Check(entity.Checks{})
	if err == nil {
		err = a.install(ctx, empty, 0, "empty")
	}
	if err != nil {
		return fmt.Errorf("apply the empty configuration: %w", err)
	}
	return nil
}

func (a *Agent) startFromCache(ctx context.Context) error {
	c, err := wire.ReadCache(a.cachePath())
	if err != nil {
		return err
	}
	switch {
	case !c.Signed() && c.Writer != "" && c.Writer != a.opts.NodeID:
		return fmt.Errorf("a config cache written by another node (%s) must carry valid control plane signatures: it carries none", c.Writer)
	case !c.Signed():
		// This node's own (re-encoded, or written before caches recorded
		// their writer): trusted as far as the prefix is.
		a.log.Warn("the config cache carries no control plane signature: loaded as this node's own (it is never offered to peers)", "path", a.cachePath())
	case c.Writer == a.opts.NodeID:
		// This node wrote it from what it applied: a signature that no
		// longer verifies (the cluster certificate was replaced since)
		// does not stop a restart; peers will refuse it, and the next
		// push signs it anew.
		if err := a.verifySigned(c); err != nil {
			a.log.Warn("the signature of this node's own config cache does not verify; loaded anyway", "path", a.cachePath(), "reason", err)
		}
	default:
		if err := a.verifySigned(c); err != nil {
			return fmt.Errorf("a config cache written by another node (%s) must carry valid control plane signatures: %w", c.Writer, err)
		}
	}
	v, err := a.decodeCached(c)
	if err != nil {
		return err
	}
	if err := a.install(ctx, v, c.Version, "cache"); err != nil {
		return err
	}
	a.applyMu.Lock()
	a.cached = c
	a.applyMu.Unlock()
	a.cacheHolds(c)
	return nil
}

// decodeCached decodes c and checks the result is the configuration c records.
func (a *Agent) decodeCached(c *wire.Cached) (entity.Valid, error) {
	v, err := a.codec.DecodeCached(c, a.opts.ValidatePlugin)
	if err != nil {
		return v, fmt.Errorf("decode: %w", err)
	}
	if v.Hash() != c.Hash {
		return entity.Valid{}, fmt.Errorf("hash %s of the cached configuration differs from the recorded %s", v.Hash(), c.Hash)
	}
	return v, nil
}

// install applies v through the node's pipeline and records it as running.
func (a *Agent) install(ctx context.Context, v entity.Valid, version int64, source string) error {
	if err := a.apply(ctx, pipeline.Update{Config: v, Version: version, Source: a.Name() + " (" + source + ")"}); err != nil {
		return err
	}
	a.mu.Lock()
	a.run = running{cfg: v, version: version}
	a.status.Source = source
	a.mu.Unlock()
	a.log.Info("configuration applied", "source", source, "config_version", version, "config_hash", v.Hash())
	return nil
}
