package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/testutil/gantryproc"
)

// newTestCert makes a certificate signed by parent (self-signed when nil):
// a CA when isCA, else a leaf for 127.0.0.1 with usage.
func newTestCert(t *testing.T, cn string, parent *entitytest.Cert, isCA bool, usage x509.ExtKeyUsage) entitytest.Cert {
	t.Helper()
	o := entitytest.CertOptions{Names: []string{cn}, CA: isCA}
	if !isCA {
		o.IPs, o.Usage = []net.IP{net.IPv4(127, 0, 0, 1)}, []x509.ExtKeyUsage{usage}
	}
	if parent == nil {
		return entitytest.SelfSigned(t, o)
	}
	return entitytest.Signed(t, o, *parent)
}

// TestAdminTLSClientCertificates serves the Admin API over TLS with
// admin_ssl_cert/admin_ssl_cert_key and admin_ssl_client_ca: only clients
// holding a certificate the client CA signed get an answer.
func TestAdminTLSClientCertificates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serverCA := newTestCert(t, "admin server CA", nil, true, 0)
	clientCA := newTestCert(t, "admin client CA", nil, true, 0)
	otherCA := newTestCert(t, "someone else's CA", nil, true, 0)
	serverCert, serverKey := newTestCert(t, "admin", &serverCA, false, x509.ExtKeyUsageServerAuth).WriteFiles(t, dir, "admin")
	caPath, _ := clientCA.WriteFiles(t, dir, "client-ca")

	n := start(t, gantryproc.Env("GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0",
		"GANTRY_ADMIN_LISTEN=127.0.0.1:0 ssl", "GANTRY_ADMIN_SSL_CERT="+serverCert,
		"GANTRY_ADMIN_SSL_CERT_KEY="+serverKey, "GANTRY_ADMIN_SSL_CLIENT_CA="+caPath))
	roots := x509.NewCertPool()
	roots.AddCert(serverCA.X509(t))
	url := "https://" + n.Listeners.Admin[0].Address + "/services"

	tests := []struct {
		name   string
		certs  []tls.Certificate
		wantOK bool
	}{
		{"client certificate signed by admin_ssl_client_ca", []tls.Certificate{newTestCert(t, "operator", &clientCA, false, x509.ExtKeyUsageClientAuth).TLS(t)}, true},
		{"no client certificate", nil, false},
		{"client certificate signed by another CA", []tls.Certificate{newTestCert(t, "intruder", &otherCA, false, x509.ExtKeyUsageClientAuth).TLS(t)}, false},
		{"self-signed client certificate", []tls.Certificate{newTestCert(t, "self", nil, false, x509.ExtKeyUsageClientAuth).TLS(t)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: tc.certs},
			}}
			resp, err := client.Get(url)
			if tc.wantOK {
				if err != nil {
					t.Fatalf("GET /services with a good client certificate: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("GET /services = %d, want 200", resp.StatusCode)
				}
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET /services = %d, want the TLS handshake refused", resp.StatusCode)
			}
		})
	}
	t.Run("plain HTTP is not served", func(t *testing.T) {
		if code, _ := get("http://" + n.Listeners.Admin[0].Address + "/services"); code == 200 {
			t.Fatal("plain HTTP to the ssl admin listener answered 200")
		}
	})
}

// TestAdminClientCARefusals stops start-up on an admin_ssl_client_ca that
// cannot protect anything: on a plain admin listener (no TLS handshake to
// ask for a certificate), or a file that holds no CA certificate.
func TestAdminClientCARefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caPath, keyPath := newTestCert(t, "client CA", nil, true, 0).WriteFiles(t, dir, "ca")
	serverCert, serverKey := newTestCert(t, "admin", nil, false, x509.ExtKeyUsageServerAuth).WriteFiles(t, dir, "admin")
	tests := []struct {
		name   string
		listen string
		ca     string
		says   string
	}{
		{"plain admin listener", "127.0.0.1:0", caPath, "has no ssl"},
		{"one of two admin listeners plain", "127.0.0.1:0 ssl, 127.0.0.1:0", caPath, "has no ssl"},
		{"not a certificate", "127.0.0.1:0 ssl", keyPath, "no PEM certificate"},
		{"missing file", "127.0.0.1:0 ssl", filepath.Join(dir, "nope.crt"), "nope.crt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, append([]string{"start", "-p", filepath.Join(t.TempDir(), "prefix")}, gantryproc.Hermetic(t)...)...)
			cmd.Env = gantryproc.Env("GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0", "GANTRY_ADMIN_LISTEN="+tc.listen,
				"GANTRY_ADMIN_SSL_CERT="+serverCert, "GANTRY_ADMIN_SSL_CERT_KEY="+serverKey, "GANTRY_ADMIN_SSL_CLIENT_CA="+tc.ca)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "admin_ssl_client_ca") || !strings.Contains(string(out), tc.says) {
				t.Fatalf("start = %v\n%s\nwant a refusal naming admin_ssl_client_ca and saying %q", err, out, tc.says)
			}
		})
	}
}
