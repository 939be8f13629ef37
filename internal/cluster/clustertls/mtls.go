package clustertls

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// ServerConfig is the control plane's TLS configuration in shared mode: it
// presents c and accepts a client only if the client's certificate is
// byte-for-byte c's.
func ServerConfig(c *Cert) *tls.Config {
	own := c.TLS.Certificate[0]
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{c.TLS},
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], own) {
				return errClientNotShared
			}
			return nil
		},
	}
}

// ClientConfig is the data plane's TLS configuration in shared mode: it
// sends SNI gantry_clustering, presents c and trusts only a server whose
// certificate is byte-for-byte c's.
func ClientConfig(c *Cert) *tls.Config {
	own := c.TLS.Certificate[0]
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		ServerName:   ServerName,
		Certificates: []tls.Certificate{c.TLS},
		// The chain is not verified against a CA: the one trusted
		// certificate is compared byte for byte below, which is stricter.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], own) {
				return errServerNotShared
			}
			return nil
		},
	}
}

var (
	errClientNotShared = errors.New("the data plane's client certificate is not this control plane's cluster_cert (shared mode: every node must use the same cluster_cert and cluster_cert_key)")
	errServerNotShared = errors.New("the control plane's certificate is not this data plane's cluster_cert (shared mode: every node must use the same cluster_cert and cluster_cert_key)")
)
