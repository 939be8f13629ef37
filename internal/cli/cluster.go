package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/admin"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/server"
	"github.com/gantryhq/gantry/internal/version"
)

// wireCluster adds hybrid mode to w:
//   - a control plane serves the cluster protocol on cluster_listen from its
//     store, and its Admin API lists the data planes;
//   - a data plane takes its configuration from the control plane through an
//     agent (config cache, then declarative_config, then empty at start), and
//     its /status reports the running config version.
func wireCluster(s *config.Config, log *slog.Logger, reg *plugin.Registry, w *wiring, adminOpts *admin.Options) error {
	if s.Role == config.RoleTraditional {
		return nil
	}
	cert, err := clustertls.Load(s.Cluster.Cert, s.Cluster.CertKey)
	if err != nil {
		return err
	}
	conf, err := clusterTLS(s, log, cert)
	if err != nil {
		return err
	}
	if s.Role == config.RoleControlPlane {
		wireControlPlane(s, log, reg, cert, conf, w, adminOpts)
		return nil
	}
	wireDataPlane(s, log, reg, cert, conf, w)
	return nil
}

// clusterTLS returns the TLS configuration of cluster_mtls = pki, checked
// at start-up (cluster_ca_cert is a CA, this node's certificate chains to
// it with the Extended Key Usage of its role; a control plane's carries
// cluster_server_name when set), or nil in shared mode,
// where cp and dp build their own from cert.
func clusterTLS(s *config.Config, log *slog.Logger, cert *clustertls.Cert) (*tls.Config, error) {
	if s.Cluster.MTLS != "pki" {
		return nil, nil
	}
	ca, err := clustertls.LoadCA(s.Cluster.CACert)
	if err != nil {
		return nil, err
	}
	role := clustertls.RoleDataPlane
	if s.Role == config.RoleControlPlane {
		role = clustertls.RoleControlPlane
	}
	if err := ca.CheckOwn(cert, role); err != nil {
		return nil, err
	}
	if name := s.Cluster.ServerName; role == clustertls.RoleControlPlane && name != "" {
		if err := cert.CheckName(name); err != nil {
			return nil, err
		}
	}
	log = log.With("component", "cluster")
	log.Info("cluster_mtls = pki: cluster_cert is issued by cluster_ca_cert and fits this node's role",
		"cert", cert.Leaf.Subject.String(), "ca", ca.Cert.Subject.String(), "expires", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	if role == clustertls.RoleDataPlane {
		return clustertls.PKIClientConfig(cert, ca, s.Cluster.ServerName), nil
	}
	var check func([]*x509.Certificate) error
	if o := clustertls.NewOCSP(s.Cluster.OCSP, 0, log); o != nil {
		check = o.Check
	}
	log.Info("OCSP checks of data plane certificates", "cluster_ocsp", s.Cluster.OCSP)
	return clustertls.PKIServerConfig(cert, ca, check), nil
}

func wireControlPlane(s *config.Config, log *slog.Logger, reg *plugin.Registry, cert *clustertls.Cert, conf *tls.Config, w *wiring, adminOpts *admin.Options) {
	// The Admin API exists before the control plane (which needs the bound
	// cluster listeners), so it reaches it through this pointer.
	var running atomic.Pointer[cp.ControlPlane]
	adminOpts.DataPlanes = func(ctx context.Context) ([]any, error) {
		if c := running.Load(); c != nil {
			return c.DataPlanes(ctx)
		}
		return []any{}, nil
	}
	st := adminOpts.Store
	w.opts.Cluster = func(n *server.Node, lns []net.Listener) (func(context.Context) error, error) {
		c, err := cp.New(cp.Options{
			Store: st, Cert: cert, TLS: conf, Listeners: lns, Logger: log,
			Version: version.Version, Plugins: reg.Versions(),
			MaxPayload: s.Cluster.MaxPayload, PurgeDelay: s.Cluster.PurgeDelay,
		})
		if err != nil {
			return nil, err
		}
		running.Store(c)
		return c.Run, nil
	}
}

// dp.Source hands the node what the agent knows of its config, so the
// node's start-up load does not validate and hash it again.
var _ server.DigestSource = dp.Source{}

func wireDataPlane(s *config.Config, log *slog.Logger, reg *plugin.Registry, cert *clustertls.Cert, conf *tls.Config, w *wiring) {
	var agent atomic.Pointer[dp.Agent]
	w.afterNew = func(ctx context.Context, n *server.Node) error {
		host, _ := os.Hostname()
		a, err := dp.New(dp.Options{
			ControlPlanes: s.Cluster.ControlPlanes, Cert: cert, TLS: conf, NodeID: n.ID(), Hostname: host,
			Version: dp.ReportedVersion(version.Version), Plugins: reg.Versions(), Labels: s.Cluster.DPLabels,
			Prefix: s.Prefix, DeclarativeConfig: s.DeclarativeConfig, Apply: n.ApplyValidated,
			ValidatePlugin: reg.Normalize, MaxPayload: s.Cluster.MaxPayload, Logger: log,
		})
		if err != nil {
			return err
		}
		if err := a.Start(ctx); err != nil {
			return err
		}
		agent.Store(a)
		n.SetSource(dp.Source{Agent: a})
		return nil
	}
	w.opts.Cluster = func(*server.Node, []net.Listener) (func(context.Context) error, error) {
		return agent.Load().Run, nil
	}
	w.opts.StatusExtra = func() map[string]any {
		a := agent.Load()
		if a == nil {
			return nil
		}
		st := a.Status()
		return map[string]any{"configuration_version": st.ConfigVersion, "cluster": st}
	}
}
