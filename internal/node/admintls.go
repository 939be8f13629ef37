package node

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// requireAdminClientCert makes cfg (the TLS settings of an ssl admin
// listener) refuse clients without a certificate signed by the CA in
// caSetting (admin_ssl_client_ca, a path or inline PEM). The refusal
// happens in the TLS handshake, before any Admin API code runs. An empty
// caSetting leaves cfg as it is: any client may connect.
func requireAdminClientCert(cfg *tls.Config, caSetting string) error {
	if caSetting == "" {
		return nil
	}
	data, err := pemOrFile(caSetting, false)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return errors.New("no PEM certificate found: give the CA certificate that signs the Admin API's client certificates")
	}
	cfg.ClientCAs = pool
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	return nil
}

// checkAdminClientCA refuses admin_ssl_client_ca when no admin listener
// has TLS: client certificates only exist in a TLS handshake, and silently
// serving the Admin API without the requested protection would be worse
// than not starting.
func checkAdminClientCA(lns []Listener, caSetting string) error {
	if caSetting == "" {
		return nil
	}
	for _, ln := range lns {
		if !ln.Spec.SSL {
			return fmt.Errorf("admin_ssl_client_ca is set but admin_listen %s has no ssl: mark every admin address ssl (admin_listen = 127.0.0.1:8444 ssl) or remove admin_ssl_client_ca", ln.Spec.Address)
		}
	}
	return nil
}
