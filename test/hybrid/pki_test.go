package hybrid

import (
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// pkiNodes is a cluster CA (root and one issuing intermediate) with a
// real OCSP responder, its certificate in a file, and the settings of
// pki mode.
type pkiNodes struct {
	dir    string
	issuer *clustertlstest.CA
	ocsp   *clustertlstest.Responder
	caPath string
}

func newPKINodes(t *testing.T) *pkiNodes {
	t.Helper()
	root := clustertlstest.NewRoot(t, "cluster root")
	issuer := root.Intermediate(t, "cluster issuing")
	dir := t.TempDir()
	return &pkiNodes{dir: dir, issuer: issuer, ocsp: clustertlstest.NewResponder(t, issuer), caPath: root.WriteCert(t, dir, "ca")}
}

// node issues a certificate for name with eku and returns the shared-harness
// view of it, and the certificate.
func (p *pkiNodes) node(t *testing.T, name string, eku x509.ExtKeyUsage) (cluster, *x509.Certificate) {
	t.Helper()
	crt, key, cert := p.issuer.WriteLeaf(t, p.dir, name, clustertlstest.Leaf{Name: name, EKU: []x509.ExtKeyUsage{eku}, OCSP: []string{p.ocsp.URL}})
	return cluster{cert: crt, key: key}, cert
}

func (p *pkiNodes) vars(extra ...string) []string {
	return append([]string{"GANTRY_CLUSTER_MTLS=pki", "GANTRY_CLUSTER_CA_CERT=" + p.caPath}, extra...)
}

// TestPKIModeServesRoutesAndRefusesARevokedDataPlane runs the built
// binary: a CP with cluster_ocsp = on, a DP whose certificate is good
// (it serves the route) and one whose certificate is revoked (refused,
// the CP logs why, it serves nothing).
func TestPKIModeServesRoutesAndRefusesARevokedDataPlane(t *testing.T) {
	t.Parallel()
	p := newPKINodes(t)
	cpNode, _ := p.node(t, "cp.cluster.test", x509.ExtKeyUsageServerAuth)
	goodNode, _ := p.node(t, "dp-good", x509.ExtKeyUsageClientAuth)
	revokedNode, revoked := p.node(t, "dp-revoked", x509.ExtKeyUsageClientAuth)
	p.ocsp.Revoke(revoked.SerialNumber)

	cp := cpNode.cpAt(t, "127.0.0.1:0", p.vars("GANTRY_CLUSTER_OCSP=on")...)
	if !strings.Contains(cp.out.String(), "cluster_cert is issued by cluster_ca_cert") {
		t.Errorf("the CP did not say at start-up that its certificate was checked")
	}
	addr := cp.ls.Cluster[0].Address
	addRoute(t, cp, "echo", upstream(t), "/echo")
	good := goodNode.dp(t, "dp-good", addr, p.vars("GANTRY_CLUSTER_SERVER_NAME=cp.cluster.test")...)
	bad := revokedNode.dp(t, "dp-revoked", addr, p.vars("GANTRY_CLUSTER_SERVER_NAME=cp.cluster.test")...)
	testutil.Eventually(t, "the good DP serves the route", 20*time.Second, func() bool { return serves(good, "/echo") })
	testutil.Eventually(t, "the CP logs the revoked DP's refusal", 15*time.Second, func() bool {
		out := cp.out.String()
		return strings.Contains(out, "refused during the TLS handshake") && strings.Contains(out, "was revoked at")
	})
	if _, ok := rowOf(t, cp, bad); ok || serves(bad, "/echo") {
		t.Fatal("a data plane with a revoked certificate was listed or got the configuration")
	}
	if _, ok := rowOf(t, cp, good); !ok {
		t.Fatal("the good data plane is not listed")
	}
}

// TestPKIModeStartUpChecks: a wrong pki set-up stops start-up with one
// line naming the setting (and the file) and what is wrong.
func TestPKIModeStartUpChecks(t *testing.T) {
	t.Parallel()
	p := newPKINodes(t)
	cpNode, _ := p.node(t, "cp.cluster.test", x509.ExtKeyUsageServerAuth)
	dpNode, _ := p.node(t, "dp", x509.ExtKeyUsageClientAuth)
	shared := newCluster(t)
	missing := filepath.Join(t.TempDir(), "nope.crt")
	tests := []struct {
		name string
		role string
		node cluster
		vars []string
		want []string
	}{
		{"CA file missing", "control_plane", cpNode, []string{"GANTRY_CLUSTER_MTLS=pki", "GANTRY_CLUSTER_CA_CERT=" + missing}, []string{"cluster_ca_cert", missing, "no such file"}},
		{"CA is a leaf", "data_plane", dpNode, []string{"GANTRY_CLUSTER_MTLS=pki", "GANTRY_CLUSTER_CA_CERT=" + cpNode.cert}, []string{"cluster_ca_cert", cpNode.cert, "not a CA"}},
		{"CA not set", "data_plane", dpNode, []string{"GANTRY_CLUSTER_MTLS=pki"}, []string{"cluster_ca_cert", "required"}},
		{"CP cert lacks server auth", "control_plane", dpNode, p.vars(), []string{"cluster_cert", "allow server auth"}},
		{"CP cert lacks cluster_server_name", "control_plane", cpNode, p.vars("GANTRY_CLUSTER_SERVER_NAME=other.cluster.test"), []string{"cluster_server_name", "other.cluster.test", "does not carry"}},
		{"DP cert lacks client auth", "data_plane", cpNode, p.vars(), []string{"cluster_cert", "allow client auth"}},
		{"shared cert in pki mode", "data_plane", shared, p.vars(), []string{"cluster_cert", "issued by cluster_ca_cert"}},
		{"ocsp in shared mode", "control_plane", shared, []string{"GANTRY_CLUSTER_OCSP=on"}, []string{"cluster_ocsp", "pki"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			startFails(t, tt.role, tt.node.cert, tt.node.key, tt.vars, tt.want, "")
		})
	}
}
