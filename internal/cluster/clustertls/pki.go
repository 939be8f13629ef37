package clustertls

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxIntermediates is how many intermediate CAs pki mode accepts between
// cluster_ca_cert and a leaf (docs/design.md, "Certificates and the pki chain");
// longer chains are refused even when
// they verify, so a mis-issued sub-CA cannot stretch the hierarchy.
const MaxIntermediates = 3

// CA is the loaded cluster_ca_cert: the roots every cluster certificate of
// pki mode must chain to. The file may hold several CA certificates (the
// old and the new one while a CA is being replaced); each is trusted.
type CA struct {
	Cert  *x509.Certificate   // the first CA of the file still valid
	Certs []*x509.Certificate // every CA of the file still valid, in file order
	Pool  *x509.CertPool
}

// LoadCA reads cluster_ca_cert (a path or inline PEM) and checks it holds
// CA certificates. Its errors name the setting and the file.
func LoadCA(v string) (*CA, error) {
	data, name, err := read("cluster_ca_cert", v, "check the path to the CA that issued the cluster certificates")
	if err != nil {
		return nil, err
	}
	return parseCA(data, name)
}

// parseCA checks the PEM of cluster_ca_cert, read from the file name: every
// CERTIFICATE block is a CA; expired ones are left out of the pool, and at
// least one must remain.
func parseCA(data []byte, name string) (*CA, error) {
	ca := &CA{Pool: x509.NewCertPool()}
	var expired []string
	now := time.Now()
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cluster_ca_cert %s: certificate %d: %w", name, n, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return nil, fmt.Errorf("cluster_ca_cert %s: %q is not a CA certificate (basic constraints CA:TRUE missing): set it to the CA that issued the cluster certificates, not to a leaf", name, c.Subject.String())
		}
		if now.After(c.NotAfter) {
			expired = append(expired, fmt.Sprintf("%q expired on %s", c.Subject.String(), c.NotAfter.UTC().Format(time.RFC3339)))
			continue
		}
		ca.Certs = append(ca.Certs, c)
		ca.Pool.AddCert(c)
	}
	switch {
	case len(ca.Certs) > 0:
		ca.Cert = ca.Certs[0]
		return ca, nil
	case len(expired) > 0:
		return nil, fmt.Errorf("cluster_ca_cert %s: the CA expired: %s", name, strings.Join(expired, "; "))
	}
	return nil, fmt.Errorf("cluster_ca_cert %s: no PEM CERTIFICATE block found (it must be the issuing CA's certificate in PEM)", name)
}

// names lists the subjects of the CAs, for errors and logs.
func (ca *CA) names() string {
	n := make([]string, len(ca.Certs))
	for i, c := range ca.Certs {
		n[i] = strconv.Quote(c.Subject.String())
	}
	return strings.Join(n, ", ")
}

// Role is which end of the cluster connection a certificate serves.
type Role int

// The two roles: a control plane's certificate must allow server auth, a
// data plane's client auth.
const (
	RoleControlPlane Role = iota
	RoleDataPlane
)

func (r Role) usage() (x509.ExtKeyUsage, string) {
	if r == RoleControlPlane {
		return x509.ExtKeyUsageServerAuth, "server auth (a control plane's cluster_cert)"
	}
	return x509.ExtKeyUsageClientAuth, "client auth (a data plane's cluster_cert)"
}

// CheckOwn verifies at start-up that the node's own certificate chains to
// ca through at most MaxIntermediates intermediates (sent after the leaf in
// cluster_cert) and carries the Extended Key Usage of role, so a wrong
// certificate stops start-up instead of failing every handshake.
func (ca *CA) CheckOwn(c *Cert, role Role) error {
	eku, what := role.usage()
	if _, err := ca.verify(c.TLS.Certificate, eku); err != nil {
		return fmt.Errorf("cluster_cert %q does not fit cluster_mtls = pki: %w (it must be issued by cluster_ca_cert %s, with intermediates appended to cluster_cert, and allow %s)",
			c.Leaf.Subject.String(), err, ca.names(), what)
	}
	return nil
}

// verify checks a DER chain (leaf first) against ca for any of ekus and
// the depth limit, and returns the verified chain.
func (ca *CA) verify(raw [][]byte, ekus ...x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, errors.New("no certificate presented")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("certificate %d of the chain: %w", i, err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{Roots: ca.Pool, Intermediates: inter, KeyUsages: ekus})
	if err != nil {
		return nil, err
	}
	for _, ch := range chains {
		if len(ch) <= MaxIntermediates+2 {
			return ch, nil
		}
	}
	return nil, fmt.Errorf("the chain has %d intermediate CAs, more than the %d allowed", len(chains[0])-2, MaxIntermediates)
}

// PKIServerConfig is the control plane's TLS configuration in pki mode: it
// presents c (with its intermediates) and accepts a data plane whose
// certificate chains to ca, allows client auth and, when check is not nil,
// passes it (OCSP).
func PKIServerConfig(c *Cert, ca *CA, check func(chain []*x509.Certificate) error) *tls.Config {
	return (&Material{Cert: c, CA: ca}).ServerConfig(check)
}

// PKIClientConfig is the data plane's TLS configuration in pki mode: it
// sends serverName as SNI (empty: the host of cluster_control_plane, as
// Kong does) and accepts a control plane whose certificate chains to ca,
// allows server auth and carries that name.
func PKIClientConfig(c *Cert, ca *CA, serverName string) *tls.Config {
	return (&Material{Cert: c, CA: ca}).ClientConfig(serverName)
}

// pkiServerConfig: see PKIServerConfig.
func (m *Material) pkiServerConfig(check func(chain []*x509.Certificate) error) *tls.Config {
	ca := m.CA
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{m.Cert.TLS},
		// No ClientCAs: with a CA list, Go clients holding a foreign
		// certificate send none, and the log could only say "no
		// certificate" instead of naming the wrong issuer.
		ClientAuth: tls.RequireAnyClientCert,
		// A resumed session skips VerifyPeerCertificate (and so OCSP).
		SessionTicketsDisabled: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			chain, err := ca.verify(raw, x509.ExtKeyUsageClientAuth)
			if err != nil {
				return fmt.Errorf("the data plane's certificate is not accepted by cluster_ca_cert: %w", err)
			}
			if check != nil {
				return check(chain)
			}
			return nil
		},
	}
}

// pkiClientConfig: see PKIClientConfig.
func (m *Material) pkiClientConfig(serverName string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		ServerName:   serverName,
		Certificates: []tls.Certificate{m.Cert.TLS},
		RootCAs:      m.CA.Pool,
		// Go's verification runs first (chain, expiry, EKU, name); this
		// only adds the depth limit, which Go does not have.
		VerifyConnection: func(cs tls.ConnectionState) error {
			for _, ch := range cs.VerifiedChains {
				if len(ch) <= MaxIntermediates+2 {
					return nil
				}
			}
			return fmt.Errorf("the control plane's certificate chain has more than %d intermediate CAs", MaxIntermediates)
		},
	}
}

// CheckName verifies at start-up that a control plane's certificate
// carries cluster_server_name, which data planes will expect.
func (c *Cert) CheckName(name string) error {
	if err := c.Leaf.VerifyHostname(name); err != nil {
		return fmt.Errorf("cluster_cert %q does not carry cluster_server_name %q, so data planes would refuse it: %w (issue it with that DNS name, or fix cluster_server_name)", c.Leaf.Subject.String(), name, err)
	}
	return nil
}
