package clustertls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// Sign signs a SHA-256 digest with the cluster key of c: ECDSA (ASN.1),
// Ed25519 (over the digest as the message) or RSA PKCS #1 v1.5, by the
// key's type.
func (c *Cert) Sign(digest []byte) ([]byte, error) {
	signer, ok := c.TLS.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("cluster_cert_key: a %T cannot sign", c.TLS.PrivateKey)
	}
	var opts crypto.SignerOpts = crypto.SHA256
	if _, ok := signer.Public().(ed25519.PublicKey); ok {
		opts = crypto.Hash(0)
	}
	return signer.Sign(rand.Reader, digest, opts)
}

// VerifySignature checks sig over a SHA-256 digest with leaf's public key,
// as Sign made it.
func VerifySignature(leaf *x509.Certificate, digest, sig []byte) error {
	ok := false
	switch pub := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, digest, sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, digest, sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig) == nil
	default:
		return fmt.Errorf("the signer's %T key is not supported", leaf.PublicKey)
	}
	if !ok {
		return errors.New("the signature does not verify with the signer's certificate")
	}
	return nil
}

// Trust is how a data plane decides whom to believe: which certificate
// may sign configurations (a control plane's) and which nodes may be its
// peers. Shared mode (CA nil): only this node's own cluster_cert, byte for
// byte. pki mode: certificates chaining to cluster_ca_cert.
type Trust struct {
	Cert *Cert
	CA   *CA // nil in shared mode
	// ServerName is cluster_server_name: in pki mode, a signer must carry it when set.
	ServerName string
	// Hosts are the hosts of cluster_control_plane: in pki mode without
	// ServerName the connection accepts a control plane's certificate only
	// for the host dialled, so a signer must carry one of them (else any
	// certificate of the CA allowing server auth, a data plane's too, could
	// sign).
	Hosts []string
	// Source, when set, replaces Cert and CA with its current material, so
	// a certificate rotation reaches signer and peer checks; in shared mode
	// the certificate it replaced is trusted too, as on the cluster port.
	Source *Source
}

// material returns the certificates trusted at this moment: shared
// mode's own (and previous) certificate, or pki mode's CA.
func (t *Trust) material() *Material {
	if t.Source != nil {
		return t.Source.Current()
	}
	return &Material{Cert: t.Cert, CA: t.CA}
}

// VerifySigner checks that chain (DER, leaf first) is a certificate this
// data plane trusts as a control plane's, exactly as it trusts the control
// plane it connects to, and returns its leaf. The error says why not.
func (t *Trust) VerifySigner(chain [][]byte) (*x509.Certificate, error) {
	if len(chain) == 0 {
		return nil, errors.New("no signer certificate")
	}
	m := t.material()
	ca := m.CA
	if ca == nil {
		c := m.shared(chain[0])
		if c == nil {
			return nil, errors.New("the signer's certificate is not this node's cluster_cert (shared mode: only the cluster's own certificate may sign configurations)")
		}
		return c.Leaf, nil
	}
	verified, err := ca.verify(chain, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, fmt.Errorf("the signer's certificate is not a control plane's certificate issued by cluster_ca_cert: %w", err)
	}
	if t.ServerName != "" {
		if err := verified[0].VerifyHostname(t.ServerName); err != nil {
			return nil, fmt.Errorf("the signer's certificate does not carry cluster_server_name %q: %w", t.ServerName, err)
		}
	} else if len(t.Hosts) > 0 && !slices.ContainsFunc(t.Hosts, func(h string) bool { return verified[0].VerifyHostname(h) == nil }) {
		return nil, fmt.Errorf("the signer's certificate carries no host of cluster_control_plane (%s), as the control plane connection requires", strings.Join(t.Hosts, ", "))
	}
	return verified[0], nil
}

// verifyPeer checks a peer data plane's certificate chain against m: in
// shared mode this node's own certificate (or the previous one); in pki
// mode a chain to cluster_ca_cert allowing client or server auth (a data
// plane's certificate may allow client auth only).
func verifyPeer(m *Material, raw [][]byte) error {
	ca := m.CA
	if ca == nil {
		if len(raw) == 0 || m.shared(raw[0]) == nil {
			return errors.New("the peer's certificate is not this node's cluster_cert (shared mode: every node must use the same cluster_cert and cluster_cert_key)")
		}
		return nil
	}
	if _, err := ca.verify(raw, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth); err != nil {
		return fmt.Errorf("the peer's certificate is not accepted by cluster_ca_cert: %w", err)
	}
	return nil
}

// PeerServerConfig is the TLS configuration of cluster_peer_listen: mutual
// TLS presenting this node's cluster_cert and accepting peers as
// verifyPeer does.
func (t *Trust) PeerServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &t.material().Cert.TLS, nil
		},
		ClientAuth: tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyPeer(t.material(), raw)
		},
		// A resumed session skips VerifyPeerCertificate: every connection
		// is checked against the trust of the moment.
		SessionTicketsDisabled: true,
	}
}

// PeerClientConfig is the TLS configuration a data plane uses to fetch a
// cache from a cluster_peers address, for one fetch. In shared mode it
// answers a peer presenting the previous certificate with that one, as
// the cluster port does: a peer not rotated yet still serves this node.
func (t *Trust) PeerClientConfig() *tls.Config {
	m := t.material()
	var matched atomic.Pointer[Cert]
	matched.Store(m.Cert)
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: ServerName,
		// Both TLS 1.2 and 1.3 verify the server before the client sends
		// its certificate.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &matched.Load().TLS, nil
		},
		// verifyPeer replaces Go's verification: a peer's certificate is a
		// data plane's, which may not allow server auth.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if err := verifyPeer(m, raw); err != nil {
				return err
			}
			if m.CA == nil {
				matched.Store(m.shared(raw[0]))
			}
			return nil
		},
	}
}
