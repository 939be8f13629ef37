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
	"slices"
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

	mu    sync.Mutex // one load at a time; guards last, cache
	last  *lastLoad
	cache *entity.DigestCache // the digest cache of last's config (KeepEncodings)
}

// lastLoad is the configuration the last load produced and the revision
// it reflects: the base the next load patches with the store's change feed.
type lastLoad struct {
	cfg *entity.Config
	rev int64
}

// changesLimit bounds the entities a load reads from the change feed: past
// it, exporting everything is as cheap.
const changesLimit = 50000

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
//
// With a store that has a change feed (store.ChangeFeed), a load after the
// first reads only the entities written since the last one and patches
// the last configuration: untouched entities keep their pointers, so the
// check looks only at what changed (entity.Checks.Delta), the digest
// reuses their encodings, and a control plane reuses their encodings in
// its version. It falls back to a whole export when the feed cannot tell
// or the patched configuration fails its check.
func (p *Provider) load(ctx context.Context) (pipeline.Update, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u, ok, err := p.loadChanges(ctx); ok || err != nil {
		return u, err
	}
	cfg, rev, err := p.export(ctx)
	if err != nil {
		return pipeline.Update{}, err
	}
	checks := entity.Checks{Stored: p.Stored}
	var cache *entity.DigestCache
	if p.KeepEncodings {
		cache = &entity.DigestCache{} // a fresh export shares no entity with the last one
		checks.Cache = cache
	}
	v, err := cfg.Check(checks)
	if err != nil {
		p.last = nil
		return pipeline.Update{}, err
	}
	p.remember(cfg, rev, cache)
	return pipeline.Update{Config: v, Version: rev, Source: p.Name()}, nil
}

func (p *Provider) remember(cfg *entity.Config, rev int64, cache *entity.DigestCache) {
	p.loaded.Store(rev + 1)
	p.last, p.cache = &lastLoad{cfg: cfg, rev: rev}, cache
	if _, ok := p.Store.(store.ChangeFeed); !ok {
		p.last = nil
	}
}

// loadChanges patches the last configuration with the store's change
// feed; ok is false when the caller must export everything instead.
func (p *Provider) loadChanges(ctx context.Context) (u pipeline.Update, ok bool, err error) {
	feed, isFeed := p.Store.(store.ChangeFeed)
	if !isFeed || p.last == nil {
		return pipeline.Update{}, false, nil
	}
	ch, err := feed.ChangesSince(ctx, p.last.rev, changesLimit)
	if err != nil {
		return pipeline.Update{}, false, err
	}
	if !ch.Complete {
		return pipeline.Update{}, false, nil
	}
	cfg := Patch(p.last.cfg, ch)
	// The feed says what changed: the check looks at that alone.
	delta := &entity.Delta{Deletes: map[entity.Kind][]string{}}
	for k, m := range ch.Entities {
		for id, e := range m {
			if e == nil {
				delta.Deletes[k] = append(delta.Deletes[k], id)
			} else {
				delta.Upserts = append(delta.Upserts, e)
			}
		}
	}
	checks := entity.Checks{Stored: p.Stored, Delta: delta, Cache: p.cache}
	v, err := cfg.Check(checks)
	if err != nil {
		// Let a whole export say what is wrong, from the store itself.
		if p.Logger != nil {
			p.Logger.Warn("the configuration patched from the change feed does not check; exporting everything", "error", err)
		}
		return pipeline.Update{}, false, nil
	}
	p.remember(cfg, ch.Revision, p.cache)
	return pipeline.Update{Config: v, Version: ch.Revision, Source: p.Name()}, true, nil
}

// Patch returns base with ch applied, each kind sorted by id as Export
// sorts it. base is not modified; entities ch does not name are shared
// with it.
func Patch(base *entity.Config, ch store.Changes) *entity.Config {
	out := *base // kinds without changes share base's slices
	for _, k := range entity.Kinds {
		upd := ch.Entities[k]
		if len(upd) == 0 {
			continue
		}
		list := base.OfKind(k)
		ids := make([]string, 0, len(upd))
		for id := range upd {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		out.ShareKind(&entity.Config{}, k) // none yet: Add refills it without touching base's
		// Merge two lists sorted by id: base's, less what changed, and
		// the changed entities still there.
		i := 0
		for _, id := range ids {
			for ; i < len(list) && list[i].GetID() < id; i++ {
				out.Add(list[i])
			}
			if i < len(list) && list[i].GetID() == id {
				i++ // replaced or deleted
			}
			if e := upd[id]; e != nil {
				out.Add(e)
			}
		}
		for ; i < len(list); i++ {
			out.Add(list[i])
		}
	}
	return &out
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
