package cluster_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/testutil"
)

// pkiFixture is a cluster CA with an OCSP responder and a CP certificate
// for cp.cluster.test.
type pkiFixture struct {
	root, issuing *clustertlstest.CA
	ca            *clustertls.CA
	ocsp          *clustertlstest.Responder
	cpCert        *clustertls.Cert
}

func newPKI(t *testing.T) *pkiFixture {
	t.Helper()
	root := clustertlstest.NewRoot(t, "cluster root")
	issuing := root.Intermediate(t, "cluster issuing")
	f := &pkiFixture{root: root, issuing: issuing, ocsp: clustertlstest.NewResponder(t, issuing)}
	var err error
	if f.ca, err = clustertls.LoadCA(string(clustertlstest.CertPEM(root.Cert))); err != nil {
		t.Fatal(err)
	}
	f.cpCert = f.load(t, "cp", clustertlstest.Leaf{Name: "cp.cluster.test", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return f
}

// load issues l from the issuing CA, writes it and loads it as a node does.
func (f *pkiFixture) load(t *testing.T, name string, l clustertlstest.Leaf) *clustertls.Cert {
	t.Helper()
	crt, key, _ := f.issuing.WriteLeaf(t, t.TempDir(), name, l)
	c, err := clustertls.Load(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *pkiFixture) dpCert(t *testing.T, name string) *clustertls.Cert {
	t.Helper()
	return f.load(t, name, clustertlstest.Leaf{Name: name, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, OCSP: []string{f.ocsp.URL}})
}

func (f *pkiFixture) cpTLS(o *clustertls.OCSP) cpOption {
	return func(opts *cp.Options) {
		var check func([]*x509.Certificate) error
		if o != nil {
			check = o.Check
		}
		opts.TLS = clustertls.PKIServerConfig(f.cpCert, f.ca, check)
	}
}

func (f *pkiFixture) dpTLS(c *clustertls.Cert, sni string) dpOption {
	return func(opts *dp.Options) { opts.TLS = clustertls.PKIClientConfig(c, f.ca, sni) }
}

func TestPKIModeConfigReachesTheDataPlane(t *testing.T) {
	t.Parallel()
	f := newPKI(t)
	c := startCP(t, newStore(t), f.cpCert, f.cpTLS(clustertls.NewOCSP("on", 2*time.Second, nil)))
	dpCert := f.dpCert(t, "dp1")
	d := startDP(t, []string{c.addr}, dpCert, f.dpTLS(dpCert, "cp.cluster.test"))
	addServiceRoute(t, c.store, "echo", "/echo")
	testutil.Eventually(t, "route on the pki-mode data plane", 5*time.Second, func() bool { return routes(d, "/echo") })
	r, ok := row(c, d.id)
	if !ok || r.CertDetails.ExpiryTimestamp != dpCert.Leaf.NotAfter.Unix() {
		t.Fatalf("row %+v does not carry the DP certificate's expiry %d", r, dpCert.Leaf.NotAfter.Unix())
	}
	if f.ocsp.Requests.Load() == 0 {
		t.Fatal("the CP never asked the OCSP responder")
	}
}

func TestPKIModeRefusals(t *testing.T) {
	t.Parallel()
	f := newPKI(t)
	revoked := f.dpCert(t, "revoked")
	f.ocsp.Revoke(revoked.Leaf.SerialNumber)
	good := f.dpCert(t, "good")
	noClientAuth := f.load(t, "server-only", clustertlstest.Leaf{Name: "server-only", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	tests := []struct {
		name         string
		dp           *clustertls.Cert
		sni          string
		cpLog, dpErr string
	}{
		{"revoked under ocsp on", revoked, "cp.cluster.test", "was revoked at", ""},
		{"no client auth", noClientAuth, "cp.cluster.test", "incompatible key usage", ""},
		{"wrong server name", good, "other.cluster.test", "", "not other.cluster.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := startCP(t, newStore(t), f.cpCert, f.cpTLS(clustertls.NewOCSP("on", 2*time.Second, nil)))
			addServiceRoute(t, c.store, "echo", "/echo")
			d := startDP(t, []string{c.addr}, tt.dp, f.dpTLS(tt.dp, tt.sni))
			testutil.Eventually(t, "the refusal is logged with its reason", 5*time.Second, func() bool {
				if tt.cpLog != "" {
					return strings.Contains(c.logs.String(), "refused during the TLS handshake") && strings.Contains(c.logs.String(), tt.cpLog)
				}
				return strings.Contains(d.Status().LastError, tt.dpErr)
			})
			if _, ok := row(c, d.id); ok || routes(d, "/echo") {
				t.Fatal("a refused data plane got a row or the configuration")
			}
		})
	}
}

// TestPKIModeOptionalOCSPAllowsWhenTheResponderIsDown: optional lets the DP
// in, with a warning, when its responder cannot be reached.
func TestPKIModeOptionalOCSPAllowsWhenTheResponderIsDown(t *testing.T) {
	t.Parallel()
	f := newPKI(t)
	logs := &logBuffer{}
	c := startCP(t, newStore(t), f.cpCert, f.cpTLS(clustertls.NewOCSP("optional", time.Second, logs.logger())))
	dpCert := f.load(t, "dp", clustertlstest.Leaf{Name: "dp", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, OCSP: []string{clustertlstest.Unreachable(t)}})
	d := startDP(t, []string{c.addr}, dpCert, f.dpTLS(dpCert, "cp.cluster.test"))
	addServiceRoute(t, c.store, "echo", "/echo")
	testutil.Eventually(t, "route on the data plane", 5*time.Second, func() bool { return routes(d, "/echo") })
	if !strings.Contains(logs.String(), "could not check the OCSP status") {
		t.Fatalf("no warning about the failed check in %q", logs)
	}
}

// TestPKIModeServerNameDefaultsToTheControlPlaneHost: without
// cluster_server_name the DP expects the host of cluster_control_plane.
func TestPKIModeServerNameDefaultsToTheControlPlaneHost(t *testing.T) {
	t.Parallel()
	f := newPKI(t)
	f.cpCert = f.load(t, "cp", clustertlstest.Leaf{Name: "localhost", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	c := startCP(t, newStore(t), f.cpCert, f.cpTLS(nil))
	_, port, _ := strings.Cut(c.addr, ":")
	addServiceRoute(t, c.store, "echo", "/echo")
	named := f.dpCert(t, "by-name")
	byName := startDP(t, []string{"localhost:" + port}, named, f.dpTLS(named, ""))
	testutil.Eventually(t, "route on the DP that dialled localhost", 5*time.Second, func() bool { return routes(byName, "/echo") })
	addr := f.dpCert(t, "by-ip")
	byIP := startDP(t, []string{c.addr}, addr, f.dpTLS(addr, ""))
	testutil.Eventually(t, "the DP that dialled 127.0.0.1 refuses the CP", 5*time.Second, func() bool {
		return strings.Contains(byIP.Status().LastError, "for 127.0.0.1 because it doesn't contain any IP SANs")
	})
}
