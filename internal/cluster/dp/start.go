package dp

import (
	"context"
	"errors"
	"fmt"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

// Start loads the start configuration and applies it: 1) a valid config
// cache, 2) else declarative_config, 3) else an empty configuration. A
// damaged cache or a broken declarative file is logged and skipped; only a
// failure to apply even the empty configuration is an error.
func (a *Agent) Start(ctx context.Context) error {
	if err := a.startFromCache(ctx); err == nil {
		return nil
	} else if !errors.Is(err, wire.ErrNoCache) {
		a.log.Warn("config cache not used", "path", a.cachePath(), "error", err)
	}
	if a.opts.DeclarativeConfig != "" {
		cfg, err := declarative.LoadFile(a.opts.DeclarativeConfig, declarative.Options{IgnoreUnknownNull: true, ValidatePlugin: a.opts.ValidatePlugin})
		if err == nil {
			if err = a.install(ctx, cfg, cfg.Digest(), 0, "declarative_config"); err == nil {
				return nil
			}
		}
		a.log.Warn("declarative_config not used, starting empty", "path", a.opts.DeclarativeConfig, "error", err)
	}
	empty := &entity.Config{}
	if err := a.install(ctx, empty, empty.Digest(), 0, "empty"); err != nil {
		return fmt.Errorf("apply the empty configuration: %w", err)
	}
	return nil
}

func (a *Agent) startFromCache(ctx context.Context) error {
	c, err := wire.ReadCache(a.cachePath())
	if err != nil {
		return err
	}
	cfg, err := a.codec.DecodeCached(c, a.opts.ValidatePlugin)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	d := cfg.Digest()
	if d.Hash != c.Hash {
		return fmt.Errorf("hash %s of the cached configuration differs from the recorded %s", d.Hash, c.Hash)
	}
	if err := a.install(ctx, cfg, d, c.Version, "cache"); err != nil {
		return err
	}
	a.applyMu.Lock()
	a.cached = c
	a.applyMu.Unlock()
	return nil
}

// install applies cfg, valid and with digest d, and records it as running.
func (a *Agent) install(ctx context.Context, cfg *entity.Config, d entity.Digest, version int64, source string) error {
	if err := a.opts.Apply(ctx, cfg, d); err != nil {
		return err
	}
	a.mu.Lock()
	a.run = running{cfg: cfg, version: version, digest: d}
	a.status.Source = source
	a.mu.Unlock()
	a.log.Info("configuration applied", "source", source, "config_version", version, "config_hash", d.Hash)
	return nil
}
