package clustertls

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
)

var (
	serverAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	clientAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
)

// issue issues l from ca and loads it as a node would.
func issue(t *testing.T, ca *clustertlstest.CA, l clustertlstest.Leaf) *Cert {
	t.Helper()
	_, c, k := ca.Issue(t, l)
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pair.Leaf = leaf
	return &Cert{TLS: pair, Leaf: leaf}
}

func loadCA(t *testing.T, ca *clustertlstest.CA) *CA {
	t.Helper()
	c, err := LoadCA(string(clustertlstest.CertPEM(ca.Cert)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// handshake runs one real mTLS handshake on loopback and returns the
// client's and the server's errors.
func handshake(t *testing.T, server, client *tls.Config) (cErr, sErr error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		err = conn.(*tls.Conn).Handshake()
		if err == nil { // TLS 1.3: the client learns of a refusal on its first read
			_, err = conn.Write([]byte("x"))
		}
		srvErr <- err
	}()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(), client)
	if err == nil {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	return err, <-srvErr
}

func TestPKIHandshakes(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	i1 := root.Intermediate(t, "i1")
	i3 := i1.Intermediate(t, "i2").Intermediate(t, "i3")
	i4 := i3.Intermediate(t, "i4")
	other := clustertlstest.NewRoot(t, "other root")
	ca := loadCA(t, root)
	cpCert := issue(t, root, clustertlstest.Leaf{Name: "cp.example.test", EKU: serverAuth})
	dpCert := issue(t, root, clustertlstest.Leaf{Name: "dp1", EKU: clientAuth})
	const sni = "cp.example.test"
	tests := []struct {
		name       string
		cp, dp     *Cert
		sni        string
		wantErr    string // "" = accepted; else in the client or server error
		serverSide bool   // the refusal comes from the CP
	}{
		{"issued by the root", cpCert, dpCert, sni, "", false},
		{"three intermediates", issue(t, i3, clustertlstest.Leaf{Name: sni, EKU: serverAuth}), issue(t, i3, clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), sni, "", false},
		{"one intermediate, no EKU (any usage)", issue(t, i1, clustertlstest.Leaf{Name: sni}), issue(t, i1, clustertlstest.Leaf{Name: "dp"}), sni, "", false},
		{"four intermediates on the DP", cpCert, issue(t, i4, clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), sni, "more than the 3 allowed", true},
		{"four intermediates on the CP", issue(t, i4, clustertlstest.Leaf{Name: sni, EKU: serverAuth}), dpCert, sni, "more than 3 intermediate", false},
		{"DP cert without client auth", cpCert, issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: serverAuth}), sni, "incompatible key usage", true},
		{"CP cert without server auth", issue(t, root, clustertlstest.Leaf{Name: sni, EKU: clientAuth}), dpCert, sni, "incompatible key usage", false},
		{"wrong SNI", cpCert, dpCert, "other.example.test", "not other.example.test", false},
		{"expired DP cert", cpCert, issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth, Expired: true}), sni, "expired", true},
		{"DP cert of another CA", cpCert, issue(t, other, clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), sni, "unknown authority", true},
		{"CP cert of another CA", issue(t, other, clustertlstest.Leaf{Name: sni, EKU: serverAuth}), dpCert, sni, "unknown authority", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cErr, sErr := handshake(t, PKIServerConfig(tt.cp, ca, nil), PKIClientConfig(tt.dp, ca, tt.sni))
			if tt.wantErr == "" {
				if cErr != nil || sErr != nil {
					t.Fatalf("handshake refused: client %v, server %v", cErr, sErr)
				}
				return
			}
			if cErr == nil && sErr == nil {
				t.Fatal("handshake accepted")
			}
			got := cErr
			if tt.serverSide {
				got = sErr
			}
			if got == nil || !strings.Contains(got.Error(), tt.wantErr) {
				t.Fatalf("refusal (client %v, server %v) does not say %q on the expected side", cErr, sErr, tt.wantErr)
			}
		})
	}
}

func TestStartUpChecks(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	dir := t.TempDir()
	rootPath := root.WriteCert(t, dir, "ca")
	leafPath, _, _ := root.WriteLeaf(t, dir, "leaf", clustertlstest.Leaf{Name: "x", EKU: serverAuth})
	ca := loadCA(t, root)
	t.Run("CA loads from a file", func(t *testing.T) {
		if _, err := LoadCA(rootPath); err != nil {
			t.Fatal(err)
		}
	})
	for _, tt := range []struct{ name, path, want string }{
		{"missing file", filepath.Join(dir, "nope.crt"), "no such file"},
		{"a leaf, not a CA", leafPath, "not a CA certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCA(tt.path)
			if err == nil || !strings.Contains(err.Error(), "cluster_ca_cert "+tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v does not name cluster_ca_cert, the file and %q", err, tt.want)
			}
		})
	}
	t.Run("CP cert carries cluster_server_name", func(t *testing.T) {
		c := issue(t, root, clustertlstest.Leaf{Name: "cp.example.test", EKU: serverAuth})
		if err := c.CheckName("cp.example.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.CheckName("other.example.test"); err == nil || !strings.Contains(err.Error(), `cluster_server_name "other.example.test"`) {
			t.Fatalf("error %v does not name cluster_server_name and the value", err)
		}
	})
	for _, tt := range []struct {
		name string
		cert *Cert
		role Role
		want string
	}{
		{"CP cert with server auth", issue(t, root.Intermediate(t, "i"), clustertlstest.Leaf{Name: "cp", EKU: serverAuth}), RoleControlPlane, ""},
		{"DP cert with client auth", issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), RoleDataPlane, ""},
		{"CP cert with client auth only", issue(t, root, clustertlstest.Leaf{Name: "cp", EKU: clientAuth}), RoleControlPlane, "allow server auth"},
		{"DP cert with server auth only", issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: serverAuth}), RoleDataPlane, "allow client auth"},
		{"cert of another CA", issue(t, clustertlstest.NewRoot(t, "other"), clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), RoleDataPlane, "unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ca.CheckOwn(tt.cert, tt.role)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "cluster_cert") {
				t.Fatalf("error %v does not name cluster_cert and %q", err, tt.want)
			}
		})
	}
}
