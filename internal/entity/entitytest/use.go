package entitytest

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// X509 parses the certificate, for a client's root pool or a chain check.
func (c Cert) X509(t testing.TB) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(c.Cert))
	if block == nil {
		t.Fatal("entitytest: certificate is not PEM")
	}
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TLS returns the certificate and key as a tls.Certificate, for a client
// presenting it or a server serving it.
func (c Cert) TLS(t testing.TB) tls.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair([]byte(c.Cert), []byte(c.Key))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// WriteFiles stores the certificate and key as PEM files name.crt and
// name.key in dir (the key readable by the owner only) and returns their
// paths, for settings such as ssl_cert and ssl_cert_key.
func (c Cert) WriteFiles(t testing.TB, dir, name string) (certPath, keyPath string) {
	t.Helper()
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, []byte(c.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, []byte(c.Key), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// signer parses the private key, to sign certificates under this one.
func (c Cert) signer(t testing.TB) crypto.Signer {
	t.Helper()
	block, _ := pem.Decode([]byte(c.Key))
	if block == nil {
		t.Fatal("entitytest: key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		t.Fatalf("entitytest: a %T cannot sign", key)
	}
	return s
}
