// Package clustertlstest makes real certificate hierarchies and a real OCSP
// responder for tests of hybrid mode's pki mode: a root CA, intermediates,
// leaves with the Extended Key Usage and names a test asks for, all written
// to files a node (in process or the built binary) can load.
package clustertlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made in a test: a root, or an intermediate
// whose Chain holds its own certificate followed by its issuers' up to (not
// including) the root.
type CA struct {
	Cert  *x509.Certificate
	Key   *ecdsa.PrivateKey
	Chain []*x509.Certificate
}

// NewRoot makes a self-signed root CA valid for a day.
func NewRoot(t testing.TB, name string) *CA {
	t.Helper()
	key, tmpl := newKey(t), caTemplate(t, name)
	cert := create(t, tmpl, tmpl, key, key)
	return &CA{Cert: cert, Key: key}
}

// Intermediate makes a CA issued by ca.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	cert := create(t, caTemplate(t, name), ca.Cert, key, ca.Key)
	return &CA{Cert: cert, Key: key, Chain: append([]*x509.Certificate{cert}, ca.Chain...)}
}

// caTemplate is a CA certificate valid for a day.
func caTemplate(t testing.TB, name string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
}

// Leaf describes a certificate to issue.
type Leaf struct {
	Name string // common name, also a DNS name unless DNSNames is set
	// DNSNames are the subject alternative names (default: Name).
	DNSNames []string
	// EKU is the Extended Key Usage; nil means none (any usage).
	EKU []x509.ExtKeyUsage
	// Expired makes a certificate whose validity ended an hour ago.
	Expired bool
	// Life is how long the certificate is valid from now (default 12 h).
	Life time.Duration
	// OCSP lists responder URLs for the Authority Information Access.
	OCSP []string
}

// Issue makes a leaf certificate issued by ca and returns it with its
// key, and the PEM of the certificate followed by ca's chain (what
// cluster_cert holds) and of the key.
func (ca *CA) Issue(t testing.TB, l Leaf) (cert *x509.Certificate, certPEM, keyPEM []byte) {
	t.Helper()
	key := newKey(t)
	dns := l.DNSNames
	if dns == nil {
		dns = []string{l.Name}
	}
	life := l.Life
	if life <= 0 {
		life = 12 * time.Hour
	}
	nb, na := time.Now().Add(-time.Hour), time.Now().Add(life)
	if l.Expired {
		nb, na = time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: l.Name}, DNSNames: dns,
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: l.EKU,
		OCSPServer: l.OCSP,
	}
	cert = create(t, tmpl, ca.Cert, key, ca.Key)
	for _, c := range append([]*x509.Certificate{cert}, ca.Chain...) {
		certPEM = append(certPEM, CertPEM(c)...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// WriteLeaf issues l and writes cert and key to dir as <name>.crt and
// <name>.key, returning the paths and the certificate.
func (ca *CA) WriteLeaf(t testing.TB, dir, name string, l Leaf) (certPath, keyPath string, cert *x509.Certificate) {
	t.Helper()
	cert, c, k := ca.Issue(t, l)
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	Write(t, certPath, c)
	Write(t, keyPath, k)
	return certPath, keyPath, cert
}

// WriteCert writes ca's certificate (what cluster_ca_cert names) to
// dir/<name>.crt and returns the path.
func (ca *CA) WriteCert(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name+".crt")
	Write(t, p, CertPEM(ca.Cert))
	return p
}

// CertPEM encodes c.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Write writes data to path with mode 0600 or fails the test.
func Write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 100))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func create(t testing.TB, tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
