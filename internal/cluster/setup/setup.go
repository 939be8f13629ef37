// Package setup builds the hybrid-mode pieces of a node from its settings:
// the control plane (with its cluster listeners bound) for role
// control_plane, the data plane agent for role data_plane. It keeps the CLI
// wiring to a few lines and is the one place that maps cluster_* settings
// onto cp.Options and dp.Options.
package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/version"
)

// ControlPlane loads the cluster certificate, binds cluster_listen and
// returns the control plane, ready to Run. Its errors stop start-up with
// the setting and the cause. The listeners are closed by Run's end, or by
// the caller when it does not run the control plane.
func ControlPlane(ctx context.Context, s *config.Config, st store.Store, reg *plugin.Registry, log *slog.Logger) (*cp.ControlPlane, []net.Listener, error) {
	if err := sharedOnly(s); err != nil {
		return nil, nil, err
	}
	cert, err := clustertls.Load(s.Cluster.Cert, s.Cluster.CertKey)
	if err != nil {
		return nil, nil, err
	}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	var lc net.ListenConfig
	for _, l := range s.ClusterListen {
		ln, err := lc.Listen(ctx, "tcp", l.Address)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("cluster_listen: cannot listen on %s: %w", l.Address, err)
		}
		lns = append(lns, ln)
	}
	c, err := cp.New(cp.Options{
		Store: st, Cert: cert, Listeners: lns, Logger: log,
		Version: version.Version, Plugins: reg.Versions(),
		MaxPayload: s.Cluster.MaxPayload, PurgeDelay: s.Cluster.PurgeDelay,
	})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return c, lns, nil
}

// DataPlane loads the cluster certificate and returns the data plane agent.
// apply swaps a configuration into the node's proxy. Call Start (before
// serving, so a cached configuration serves from the first request) and
// then Run.
func DataPlane(s *config.Config, nodeID string, reg *plugin.Registry, apply dp.ApplyFunc, log *slog.Logger) (*dp.Agent, error) {
	if err := sharedOnly(s); err != nil {
		return nil, err
	}
	cert, err := clustertls.Load(s.Cluster.Cert, s.Cluster.CertKey)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return dp.New(dp.Options{
		ControlPlanes: s.Cluster.ControlPlanes, Cert: cert, NodeID: nodeID, Hostname: host,
		Version: dp.ReportedVersion(version.Version), Plugins: reg.Versions(), Labels: s.Cluster.DPLabels,
		Prefix: s.Prefix, DeclarativeConfig: s.DeclarativeConfig,
		Apply: apply, ValidatePlugin: reg.Normalize, MaxPayload: s.Cluster.MaxPayload, Logger: log,
	})
}

// sharedOnly refuses cluster_mtls = pki, which this build does not implement.
func sharedOnly(s *config.Config) error {
	if s.Cluster.MTLS != "shared" {
		return errors.New("cluster_mtls = " + s.Cluster.MTLS + " is not supported by this build: use cluster_mtls = shared (one certificate made with `gantry hybrid gen_cert` on every node)")
	}
	return nil
}
