package app

import (
	"context"
	"sync"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// controlPlane is the node component serving cluster_listen, and the
// pipeline's applier on a control plane.
type controlPlane struct {
	opts cp.Options

	mu      sync.Mutex
	running *cp.ControlPlane // nil until Start
	pending *pipeline.Update // applied before Start: published at Start
	cancel  context.CancelFunc
	done    chan struct{}
}

// Name implements node.Component; the node's errors read "cannot start
// hybrid mode: …".
func (c *controlPlane) Name() string { return "hybrid mode" }

// Listen implements node.Component.
func (c *controlPlane) Listen() string { return "cluster_listen" }

// Start implements node.Component.
func (c *controlPlane) Start(ctx context.Context, lns []node.Listener, fail func(error)) error {
	opts := c.opts
	for _, l := range lns {
		opts.Listeners = append(opts.Listeners, l.Listener)
	}
	running, err := cp.New(opts)
	if err != nil {
		for _, l := range lns {
			l.Close()
		}
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if u := c.pending; u != nil {
		if err := publish(ctx, running, *u); err != nil {
			return err
		}
		c.pending = nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.running, c.cancel, c.done = running, cancel, make(chan struct{})
	done := c.done
	go func() {
		defer close(done)
		fail(running.Run(ctx))
	}()
	return nil
}

// Stop implements node.Component: it closes every data plane's stream.
func (c *controlPlane) Stop(ctx context.Context) error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Apply implements pipeline.Applier: the configuration becomes the version
// pushed to data planes, built from the encodings its digest kept. The
// start configuration arrives before the cluster listener is bound and
// waits for Start.
func (c *controlPlane) Apply(ctx context.Context, u pipeline.Update) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == nil {
		c.pending = &u
		return nil
	}
	return publish(ctx, c.running, u)
}

func publish(ctx context.Context, running *cp.ControlPlane, u pipeline.Update) error {
	return running.Publish(ctx, u.Config.Config(), u.Config.Digest(), u.Version)
}

// dataPlanes is GET /clustering/data-planes (admin.Options.DataPlanes).
func (c *controlPlane) dataPlanes(ctx context.Context) ([]any, error) {
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	if running == nil {
		return []any{}, nil
	}
	return running.DataPlanes(ctx)
}
