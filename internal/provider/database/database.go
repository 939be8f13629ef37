// Package database is the store provider of a traditional node and a
// control plane: it exports the store's configuration at start and again
// after every committed write (by this node or, on a shared PostgreSQL,
// another), coalescing bursts of writes.
//
// Writes committed between the first export and the start of Run are not
// missed: Run compares the store's revision with the one last exported.
// An export that fails (the database went away between the change notice
// and the read) is retried every RetryDelay until one succeeds: the change
// was already announced, so no new notice would come to fix it.
package database

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/store"
)

// Provider follows one store.
type Provider struct {
	Store store.Store
	// Describe names the database in logs ("sqlite /var/lib/gantry/gantry.db").
	Describe string
	// RetryDelay is the wait before retrying a failed export; 0 means 1s.
	RetryDelay time.Duration
	Logger     *slog.Logger
	// Stored checks only what a write cannot break alone (ids, unique
	// fields, references), trusting the Admin API's check of each entity
	// (entity.Checks.Stored): a control plane's choice, whose data planes
	// check every entity themselves.
	Stored bool
	// KeepEncodings makes each configuration's digest keep the encoding of
	// every entity (entity.Digest.Encoding), so a control plane builds its
	// version for data planes without encoding any entity again. It costs
	// the memory of those encodings while the configuration is current.
	KeepEncodings bool

	loaded atomic.Int64 // revision of the last successful export, plus one; 0: unknown
	once   sync.Once
	kick   chan struct{} // Reload and the change feed ask Run for an export
}

func (p *Provider) kicks() chan struct{} {
	p.once.Do(func() { p.kick = make(chan struct{}, 1) })
	return p.kick
}

// Reload asks for an export now (SIGHUP), as a change would.
func (p *Provider) Reload() {
	select {
	case p.kicks() <- struct{}{}:
	default:
	}
}

// Name implements pipeline.Provider.
func (p *Provider) Name() string { return "database " + p.Describe }

// Initial implements pipeline.Starter: it exports the store and applies
// the result; its error stops start-up.
func (p *Provider) Initial(ctx context.Context, sink pipeline.Sink) error {
	return sink.Reload(ctx, p.load)
}

// load exports the whole configuration with the revision it reflects and
// checks it. The Admin API validated every entity when it was written, but
// the check is what makes an entity.Valid, and it guards against rows
// written by something else.
func (p *Provider) load(ctx context.Context) (pipeline.Update, error) {
	cfg, rev, err := p.export(ctx)
	if err != nil {
		return pipeline.Update{}, err
	}
	checks := entity.Checks{Stored: p.Stored}
	if p.KeepEncodings {
		checks.Cache = &entity.DigestCache{} // a fresh export shares no entity with the last one
	}
	v, err := cfg.Check(checks)
	if err != nil {
		return pipeline.Update{}, err
	}
	p.loaded.Store(rev + 1)
	return pipeline.Update{Config: v, Version: rev, Source: p.Name()}, nil
}

// export reads the configuration and the store's revision it reflects: in
// one read when the store can (store.RevisionExporter), else by reading the
// revision around the export, retrying while a write straddles it.
func (p *Provider) export(ctx context.Context) (*entity.Config, int64, error) {
	if re, ok := p.Store.(store.RevisionExporter); ok {
		return re.ExportRevision(ctx)
	}
	for attempt := 0; ; attempt++ {
		r1, err := p.Store.Revision(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("read the store's revision: %w", err)
		}
		cfg, err := p.Store.Export(ctx)
		if err != nil {
			return nil, 0, err
		}
		r2, err := p.Store.Revision(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("read the store's revision: %w", err)
		}
		if r1 == r2 || attempt == 2 {
			return cfg, r2, nil
		}
	}
}

// Run implements pipeline.Provider over the store's change feed (which
// coalesces bursts of writes) plus the retries of failed exports.
func (p *Provider) Run(ctx context.Context, sink pipeline.Sink) error {
	log := p.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	delay := p.RetryDelay
	if delay <= 0 {
		delay = time.Second
	}
	kick, changed := p.kicks(), p.Reload
	changes := p.Store.Changes(ctx)
	// Subscribed: from now on no write is missed. One made since the last
	// export (or any, when that revision is unknown) calls for a reload now.
	if rev, err := p.Store.Revision(ctx); err != nil || rev+1 != p.loaded.Load() {
		changed()
	}
	retry := make(chan struct{}, 1)
	load := func(ctx context.Context) (pipeline.Update, error) {
		u, err := p.load(ctx)
		if err != nil {
			select {
			case retry <- struct{}{}:
			default:
			}
		}
		return u, err
	}
	var follower sync.WaitGroup
	defer follower.Wait() // ctx has ended by then
	follower.Go(func() { pipeline.Follow(ctx, kick, log, p.Name(), load, sink) })
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-changes:
			if !ok {
				<-ctx.Done()
				return nil
			}
			changed()
		case <-retry:
			select {
			case <-time.After(delay):
				changed()
			case <-ctx.Done():
				return nil
			}
		}
	}
}
