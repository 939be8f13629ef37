package clustertls

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"
)

// ServerConfig is the control plane's TLS configuration in shared mode: it
// presents c and accepts a client only if the client's certificate is
// byte-for-byte c's.
func ServerConfig(c *Cert) *tls.Config {
	return (&Material{Cert: c}).ServerConfig(nil)
}

// ClientConfig is the data plane's TLS configuration in shared mode: it
// sends SNI gantry_clustering, presents c and trusts only a server whose
// certificate is byte-for-byte c's.
func ClientConfig(c *Cert) *tls.Config {
	return (&Material{Cert: c}).ClientConfig("")
}

// shared returns which of m's certificates (the current one, else the
// previous one while it is valid) is byte-for-byte der, or nil.
func (m *Material) shared(der []byte) *Cert {
	if bytes.Equal(der, m.Cert.TLS.Certificate[0]) {
		return m.Cert
	}
	if p := m.Prev; p != nil && time.Now().Before(p.Leaf.NotAfter) && bytes.Equal(der, p.TLS.Certificate[0]) {
		return p
	}
	return nil
}

// sharedServerConfig presents the current certificate and accepts a data
// plane presenting the current or the previous one.
func (m *Material) sharedServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{m.Cert.TLS},
		ClientAuth:   tls.RequireAnyClientCert,
		// A resumed session skips VerifyPeerCertificate.
		SessionTicketsDisabled: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || m.shared(raw[0]) == nil {
				return errClientNotShared
			}
			return nil
		},
	}
}

// sharedClientConfig trusts a control plane presenting the current or the
// previous certificate and answers with the same one: a data plane rotated
// before its control plane still connects. The returned configuration
// serves one handshake (it remembers the server's choice).
func (m *Material) sharedClientConfig() *tls.Config {
	matched := m.Cert
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: ServerName,
		// The chain is not verified against a CA: the trusted
		// certificates are compared byte for byte below, which is stricter.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) > 0 {
				if c := m.shared(raw[0]); c != nil {
					if c != matched { // no write in the common case: a static configuration is shared
						matched = c
					}
					return nil
				}
			}
			return errServerNotShared
		},
		// Both TLS 1.2 and 1.3 verify the server before the client
		// sends its certificate.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &matched.TLS, nil
		},
	}
}

var (
	errClientNotShared = errors.New("the data plane's client certificate is not this control plane's cluster_cert (shared mode: every node must use the same cluster_cert and cluster_cert_key)")
	errServerNotShared = errors.New("the control plane's certificate is not this data plane's cluster_cert (shared mode: every node must use the same cluster_cert and cluster_cert_key)")
)
