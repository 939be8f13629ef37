package app

import (
	"context"
	"net"
	"os"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/version"
)

// clusterSource loads cluster_cert and, in pki mode, checks it against
// cluster_ca_cert (cluster_ca_cert holds CAs, this node's certificate
// chains to one of them with the Extended Key Usage of its role; a control
// plane's carries cluster_server_name when set). The files are read again
// on SIGHUP and whenever they change, with the same checks
// (clustertls.Source): new cluster connections use the new ones.
func (p *parts) clusterSource() (*clustertls.Source, error) {
	s := p.s
	role := clustertls.RoleDataPlane
	if s.Role == settings.RoleControlPlane {
		role = clustertls.RoleControlPlane
	}
	spec := clustertls.Spec{Cert: s.Cluster.Cert, Key: s.Cluster.CertKey, Role: role, ServerName: s.Cluster.ServerName}
	log := p.log.With("component", "cluster")
	if s.Cluster.MTLS == "pki" {
		spec.PKI, spec.CA = true, s.Cluster.CACert
		if role == clustertls.RoleControlPlane {
			if o := clustertls.NewOCSP(s.Cluster.OCSP, 0, log); o != nil {
				spec.Check = o.Check
			}
		}
	}
	src, err := clustertls.NewSource(spec, p.log)
	if err != nil {
		return nil, err
	}
	m := src.Current()
	if m.CA != nil {
		log.Info("cluster_mtls = pki: cluster_cert is issued by cluster_ca_cert and fits this node's role",
			"cert", m.Cert.Leaf.Subject.String(), "ca", m.CA.Cert.Subject.String(), "expires", m.Cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
		if role == clustertls.RoleControlPlane {
			log.Info("OCSP checks of data plane certificates", "cluster_ocsp", s.Cluster.OCSP)
		}
	}
	p.reloads = append(p.reloads, func() { _ = src.Reload() })
	p.comps = append(p.comps, &certWatch{src: src})
	return src, nil
}

// certWatch is the node component that applies changes of the cluster
// certificate files while the node runs.
type certWatch struct {
	src *clustertls.Source
	run node.Background
}

// Name implements node.Component.
func (w *certWatch) Name() string { return "cluster certificates" }

// Listen implements node.Component: it serves no socket.
func (w *certWatch) Listen() string { return "" }

// Start implements node.Component.
func (w *certWatch) Start(ctx context.Context, _ []node.Listener, _ func(error)) error {
	w.run.Go(ctx, func(ctx context.Context) { w.src.Watch(ctx, 0) })
	return nil
}

// Stop implements node.Component.
func (w *certWatch) Stop(ctx context.Context) error { return w.run.Stop(ctx) }

// controlPlane serves the cluster protocol on cluster_listen and lists the
// data planes in the Admin API. The pipeline's configurations go to the
// control plane, which turns each into a version for its data planes.
func (p *parts) controlPlane(st store.Store) error {
	src, err := p.clusterSource()
	if err != nil {
		return err
	}
	running, err := cp.New(cp.Options{
		Store: st, Source: src, Logger: p.log,
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
// agent: the config cache, else a cluster_peers node's signed cache, else
// declarative_config, else empty at start. With cluster_peer_listen it
// serves its own signed cache to peers.
func (p *parts) dataPlane() error {
	src, err := p.clusterSource()
	if err != nil {
		return err
	}
	s := p.s
	host, _ := os.Hostname()
	trust := &clustertls.Trust{Source: src, ServerName: s.Cluster.ServerName}
	for _, cp := range s.Cluster.ControlPlanes {
		if h, _, err := net.SplitHostPort(cp); err == nil {
			trust.Hosts = append(trust.Hosts, h)
		}
	}
	a, err := dp.New(dp.Options{
		ControlPlanes: s.Cluster.ControlPlanes, Source: src, Trust: trust, Peers: s.Cluster.Peers,
		NodeID: p.id, Hostname: host,
		Version: dp.ReportedVersion(version.Version), Plugins: p.reg.Versions(), Labels: s.Cluster.DPLabels,
		Prefix: s.Prefix, DeclarativeConfig: s.DeclarativeConfig,
		ValidatePlugin: p.reg.Normalize, MaxPayload: s.Cluster.MaxPayload, MaxConfigSize: s.Cluster.MaxConfigSize, Logger: p.log,
	})
	if err != nil {
		return err
	}
	p.provs = append(p.provs, a)
	if len(s.ClusterPeerListen) > 0 {
		p.comps = append(p.comps, &peerServer{handler: a.PeerHandler(), tls: trust.PeerServerConfig(), log: p.log})
	}
	p.status.Extra = func() map[string]any {
		st := a.Status()
		return map[string]any{"configuration_version": st.ConfigVersion, "cluster": st}
	}
	return nil
}
