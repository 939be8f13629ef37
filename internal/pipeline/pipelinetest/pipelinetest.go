// Package pipelinetest is the apply glue of tests that need a node's
// pipeline without a whole node: an Applier that builds each configuration
// into a snapshot, as the proxy engine does, and keeps the latest.
package pipelinetest

import (
	"context"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// Snapshots builds every applied configuration into a snapshot and swaps
// it in, retiring the one before. The zero value is ready to use.
type Snapshots struct {
	// Options, when set, is passed to every snapshot.Build (Digest and
	// Validated are filled in from the update).
	Options snapshot.Options
	cur     atomic.Pointer[snapshot.Snapshot]
}

// Apply implements pipeline.Applier.
func (s *Snapshots) Apply(_ context.Context, u pipeline.Update) error {
	opts := s.Options
	opts.Digest, opts.Validated = u.Config.Digest(), true
	next, err := snapshot.Build(u.Config.Config(), s.cur.Load(), opts)
	if err != nil {
		return err
	}
	if prev := s.cur.Swap(next); prev != nil {
		prev.Retire(next)
	}
	return nil
}

// Load returns the snapshot in service, nil before the first apply.
func (s *Snapshots) Load() *snapshot.Snapshot { return s.cur.Load() }

// Close retires the snapshot in service (its balancers' health checks).
func (s *Snapshots) Close() {
	if cur := s.cur.Swap(nil); cur != nil {
		cur.Retire(nil)
	}
}

// Pipeline returns a pipeline applying to a new Snapshots.
func Pipeline() (*pipeline.Pipeline, *Snapshots) {
	s := &Snapshots{}
	return pipeline.New(s, nil), s
}
