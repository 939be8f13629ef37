package app

import (
	"context"
	"net"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// controlPlane is a control plane's pipeline applier (each configuration
// becomes the version pushed to data planes) and its node component
// serving cluster_listen.
type controlPlane struct {
	cp  *cp.ControlPlane
	run node.Background // serves the cluster listeners from Start to Stop
}

// Apply implements pipeline.Applier. The digest kept each entity's
// encoding, so building the version encodes none again.
func (c *controlPlane) Apply(ctx context.Context, u pipeline.Update) error {
	return c.cp.Publish(ctx, u.Config.Config(), u.Config.Digest(), u.Version)
}

// Name implements node.Component; the node's errors read "cannot start
// hybrid mode: …".
func (c *controlPlane) Name() string { return "hybrid mode" }

// Listen implements node.Component.
func (c *controlPlane) Listen() string { return "cluster_listen" }

// Start implements node.Component: the control plane serves lns until Stop.
func (c *controlPlane) Start(ctx context.Context, lns []node.Listener, fail func(error)) error {
	raw := make([]net.Listener, len(lns))
	for i, l := range lns {
		raw[i] = l.Listener
	}
	c.run.Go(ctx, func(ctx context.Context) { fail(c.cp.Run(ctx, raw)) })
	return nil
}

// Stop implements node.Component: it closes every data plane's stream.
func (c *controlPlane) Stop(ctx context.Context) error { return c.run.Stop(ctx) }
