package entitytest

import (
	"crypto/x509"
	"net"
	"os"
	"testing"
)

// TestSignedChainVerifies builds a CA and a server certificate for
// 127.0.0.1 under it, and checks a client that trusts the CA accepts it
// and one that does not refuses it.
func TestSignedChainVerifies(t *testing.T) {
	t.Parallel()
	ca := SelfSigned(t, CertOptions{CA: true, Names: []string{"test CA"}})
	other := SelfSigned(t, CertOptions{CA: true, Names: []string{"other CA"}})
	leaf := Signed(t, CertOptions{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca)
	tests := []struct {
		name   string
		root   Cert
		wantOK bool
	}{
		{"trusting the CA", ca, true},
		{"trusting another CA", other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			roots := x509.NewCertPool()
			roots.AddCert(tt.root.X509(t))
			_, err := leaf.X509(t).Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"})
			if (err == nil) != tt.wantOK {
				t.Errorf("verify = %v, want ok=%v", err, tt.wantOK)
			}
		})
	}
	if pair := leaf.TLS(t); len(pair.Certificate) != 1 {
		t.Errorf("tls pair holds %d certificates, want 1", len(pair.Certificate))
	}
	certPath, keyPath := leaf.WriteFiles(t, t.TempDir(), "leaf")
	if fi, err := os.Stat(keyPath); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file %s has mode %v, want 0600", keyPath, fi.Mode().Perm())
	}
	if b, err := os.ReadFile(certPath); err != nil || string(b) != leaf.Cert {
		t.Errorf("cert file %s does not hold the certificate: %v", certPath, err)
	}
}
