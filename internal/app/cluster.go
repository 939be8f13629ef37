package app

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/version"
)

// clusterCreds loads cluster_cert and, in pki mode, checks it against
// cluster_ca_cert and returns the TLS configuration (nil in shared mode,
// where cp and dp build their own from the certificate).
func (p *parts) clusterCreds() (*clustertls.Cert, *tls.Config, error) {
	cert, err := clustertls.Load(p.s.Cluster.Cert, p.s.Cluster.CertKey)
	if err != nil {
		return nil, nil, err
	}
	conf, err := clusterTLS(p.s, p.log, cert)
	if err != nil {
		return nil, nil, err
	}
	return cert, conf, nil
}

// clusterTLS returns the TLS configuration of cluster_mtls = pki, checked
// at start-up (cluster_ca_cert is a CA, this node's certificate chains to
// it with the Extended Key Usage of its role; a control plane's carries
// cluster_server_name when set), or nil in shared mode,
// where cp and dp build their own from cert.
func clusterTLS(s *settings.Settings, log *slog.Logger, cert *clustertls.Cert) (*tls.Config, error) {
	if s.Cluster.MTLS != "pki" {
		return nil, nil
	}
	ca, err := clustertls.LoadCA(s.Cluster.CACert)
	if err != nil {
		return nil, err
	}
	role := clustertls.RoleDataPlane
	if s.Role == settings.RoleControlPlane {
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

// controlPlane serves the cluster protocol on cluster_listen and lists the
// data planes in the Admin API. The pipeline's configurations go to the
// control plane, which turns each into a version for its data planes.
func (p *parts) controlPlane(st store.Store) error {
	cert, conf, err := p.clusterCreds()
	if err != nil {
		return err
	}
	running, err := cp.New(cp.Options{
		Store: st, Cert: cert, TLS: conf, Logger: p.log,
		Version: version.Version, Plugins: p.reg.Versions(),
		MaxPayload: p.s.Cluster.MaxPayload, MaxConfigSize: p.s.Cluster.MaxConfigSize, PurgeDelay: p.s.Cluster.PurgeDelay,
	})
	if err != nil {
		return err
	}
	c := &controlPlane{cp: running}
	p.pipe = pipeline.New(c, p.log)
	p.admin.DataPlanes = running.DataPlanes
	p.comps = append(p.comps, c)
	return nil
}

// dataPlane takes the configuration from the control plane through the
// agent: the config cache, else declarative_config, else empty at start.
func (p *parts) dataPlane() error {
	cert, conf, err := p.clusterCreds()
	if err != nil {
		return err
	}
	s := p.s
	host, _ := os.Hostname()
	a, err := dp.New(dp.Options{
		ControlPlanes: s.Cluster.ControlPlanes, Cert: cert, TLS: conf, NodeID: p.id, Hostname: host,
		Version: dp.ReportedVersion(version.Version), Plugins: p.reg.Versions(), Labels: s.Cluster.DPLabels,
		Prefix: s.Prefix, DeclarativeConfig: s.DeclarativeConfig,
		ValidatePlugin: p.reg.Normalize, MaxPayload: s.Cluster.MaxPayload, MaxConfigSize: s.Cluster.MaxConfigSize, Logger: p.log,
	})
	if err != nil {
		return err
	}
	p.provs = append(p.provs, a)
	p.status.Extra = func() map[string]any {
		st := a.Status()
		return map[string]any{"configuration_version": st.ConfigVersion, "cluster": st}
	}
	return nil
}
