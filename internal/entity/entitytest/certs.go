// Package entitytest makes test material for entity-level tests: real
// certificates and keys generated on the spot, so no test carries a PEM
// that could expire.
package entitytest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// Cert is a PEM certificate and its PEM (PKCS#8) private key.
type Cert struct {
	Cert, Key string
}

// CertOptions shapes a generated certificate. The zero value is an ECDSA
// P-256 leaf for "example.test", valid for a day.
type CertOptions struct {
	RSA      bool      // RSA 2048 instead of ECDSA P-256
	CA       bool      // a CA certificate (basic constraint CA:TRUE)
	NotAfter time.Time // zero: one day from now
	Names    []string  // DNS names, the first also the common name; empty: "example.test"
	IPs      []net.IP  // IP addresses the certificate is for, such as 127.0.0.1
	// Usage restricts what the key may be used for (server or client
	// authentication); empty allows any.
	Usage []x509.ExtKeyUsage
}

// SelfSigned creates a self-signed certificate with a fresh key.
func SelfSigned(t testing.TB, o CertOptions) Cert {
	t.Helper()
	return issue(t, o, nil)
}

// Signed creates a certificate with a fresh key, signed by parent (made
// with CA set), to build chains: a server or client certificate under a
// test CA.
func Signed(t testing.TB, o CertOptions, parent Cert) Cert {
	t.Helper()
	return issue(t, o, &parent)
}

// issue makes the certificate o describes, self-signed when parent is nil.
func issue(t testing.TB, o CertOptions, parent *Cert) Cert {
	t.Helper()
	var key crypto.Signer
	var err error
	if o.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(24 * time.Hour)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Names) == 0 {
		o.Names = []string{"example.test"}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: o.Names[0]},
		DNSNames:              o.Names,
		NotBefore:             o.NotAfter.Add(-48 * time.Hour),
		NotAfter:              o.NotAfter,
		BasicConstraintsValid: true,
		IsCA:                  o.CA,
		IPAddresses:           o.IPs,
		ExtKeyUsage:           o.Usage,
	}
	if o.CA {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.X509(t), parent.signer(t)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return Cert{
		Cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		Key:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
	}
}
