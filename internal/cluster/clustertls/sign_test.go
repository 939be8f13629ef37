package clustertls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
)

// selfSigned makes a cluster certificate with key.
func selfSigned(t *testing.T, key crypto.Signer) *Cert {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: ServerName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, Leaf: leaf}
}

// TestSignVerifyEveryKeyType: a signature made with an ECDSA, Ed25519 or
// RSA cluster key verifies with its certificate, and not over another
// digest nor with another certificate.
func TestSignVerifyEveryKeyType(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	dir := t.TempDir()
	if err := GenCert(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"), 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	generated, err := Load(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"))
	if err != nil {
		t.Fatal(err)
	}
	certs := map[string]*Cert{"ecdsa": selfSigned(t, ec), "ed25519": selfSigned(t, ed), "rsa": selfSigned(t, rs), "gen_cert": generated}
	digest := sha256.Sum256([]byte("payload"))
	other := sha256.Sum256([]byte("payload!"))
	for name, c := range certs {
		sig, err := c.Sign(digest[:])
		if err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		if err := VerifySignature(c.Leaf, digest[:], sig); err != nil {
			t.Errorf("%s: own signature: %v", name, err)
		}
		if err := VerifySignature(c.Leaf, other[:], sig); err == nil {
			t.Errorf("%s: signature verified over another digest", name)
		}
		for oname, o := range certs {
			if oname != name && VerifySignature(o.Leaf, digest[:], sig) == nil {
				t.Errorf("%s's signature verified with %s's certificate", name, oname)
			}
		}
	}
}

// TestVerifySigner: in shared mode only the node's own certificate may
// sign; in pki mode a control plane's certificate from cluster_ca_cert
// (server auth, carrying cluster_server_name when set), never a data
// plane's nor one from another CA.
func TestVerifySigner(t *testing.T) {
	t.Parallel()
	own := selfSigned(t, mustEC(t))
	shared := &Trust{Cert: own}
	if _, err := shared.VerifySigner(own.TLS.Certificate); err != nil {
		t.Fatalf("shared, own certificate: %v", err)
	}
	if _, err := shared.VerifySigner(selfSigned(t, mustEC(t)).TLS.Certificate); err == nil || !strings.Contains(err.Error(), "not this node's cluster_cert") {
		t.Fatalf("shared, another certificate: %v", err)
	}

	root, foreignRoot := clustertlstest.NewRoot(t, "root"), clustertlstest.NewRoot(t, "other root")
	inter := root.Intermediate(t, "inter")
	dp := issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
	pki := &Trust{Cert: dp, CA: loadCA(t, root), ServerName: "cp.example.com"}
	tests := []struct {
		name    string
		signer  *Cert
		wantErr string
	}{
		{"control plane", issue(t, root, clustertlstest.Leaf{Name: "cp.example.com", EKU: serverAuth}), ""},
		{"control plane under an intermediate", issue(t, inter, clustertlstest.Leaf{Name: "cp.example.com", EKU: serverAuth}), ""},
		{"data plane", issue(t, root, clustertlstest.Leaf{Name: "cp.example.com", EKU: clientAuth}), "incompatible key usage"},
		{"another CA", issue(t, foreignRoot, clustertlstest.Leaf{Name: "cp.example.com", EKU: serverAuth}), "unknown authority"},
		{"another name", issue(t, root, clustertlstest.Leaf{Name: "other.example.com", EKU: serverAuth}), "cluster_server_name"},
	}
	for _, tt := range tests {
		_, err := pki.VerifySigner(tt.signer.TLS.Certificate)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func mustEC(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestPeerTLS: in pki mode two data planes whose certificates allow client
// auth only complete the peer handshake both ways; a node from another CA
// is refused.
func TestPeerTLS(t *testing.T) {
	t.Parallel()
	root, foreignRoot := clustertlstest.NewRoot(t, "root"), clustertlstest.NewRoot(t, "other root")
	ca := loadCA(t, root)
	server := &Trust{Cert: issue(t, root, clustertlstest.Leaf{Name: "dp1", EKU: clientAuth}), CA: ca}
	client := &Trust{Cert: issue(t, root, clustertlstest.Leaf{Name: "dp2", EKU: clientAuth}), CA: ca}
	stranger := &Trust{Cert: issue(t, foreignRoot, clustertlstest.Leaf{Name: "dp3", EKU: clientAuth}), CA: loadCA(t, foreignRoot)}
	peers := func(s, c *Trust) error {
		cErr, sErr := handshake(t, s.PeerServerConfig(), c.PeerClientConfig())
		return errors.Join(cErr, sErr)
	}
	if err := peers(server, client); err != nil {
		t.Fatalf("two data planes of one CA: %v", err)
	}
	if err := peers(server, stranger); err == nil {
		t.Fatal("a data plane of another CA was accepted as a client")
	}
	if err := peers(stranger, client); err == nil {
		t.Fatal("a data plane of another CA was accepted as a server")
	}
}

// A data plane's trust follows its cluster certificate files: after a
// rotation in shared mode, a configuration signed with the new or the
// previous certificate is believed, and another certificate is not.
func TestTrustFollowsRotation(t *testing.T) {
	t.Parallel()
	src, crt, key, _ := sharedSource(t, RoleDataPlane)
	trust := &Trust{Source: src}
	old := src.Current().Cert
	newC, newK := newPair(t)
	install(t, crt, key, newC, newK)
	if err := src.Reload(); err != nil {
		t.Fatal(err)
	}
	cur := src.Current().Cert
	for _, c := range []*Cert{cur, old} {
		if _, err := trust.VerifySigner(c.TLS.Certificate); err != nil {
			t.Fatalf("signer %s after the rotation: %v", c.Fingerprint(), err)
		}
	}
	if _, err := trust.VerifySigner(selfSigned(t, mustEC(t)).TLS.Certificate); err == nil {
		t.Fatal("a certificate of another cluster was trusted")
	}
	if got, _ := trust.PeerClientConfig().GetClientCertificate(nil); string(got.Certificate[0]) != string(cur.TLS.Certificate[0]) {
		t.Fatal("peer connections do not present the rotated certificate")
	}
}

// TestVerifySignerWithoutServerName: in pki mode without
// cluster_server_name, the control plane connection accepts only a
// certificate for the host of cluster_control_plane, so a signer must carry
// it too: a data plane's certificate from the same CA that also allows
// server auth (or has no Extended Key Usage at all) does not sign.
func TestVerifySignerWithoutServerName(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "root")
	dp := issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
	pki := &Trust{Cert: dp, CA: loadCA(t, root), Hosts: []string{"cp1.example.com", "cp2.example.com"}}
	tests := []struct {
		name    string
		signer  *Cert
		wantErr string
	}{
		{"control plane", issue(t, root, clustertlstest.Leaf{Name: "cp2.example.com", EKU: serverAuth}), ""},
		{"data plane allowing server auth", issue(t, root, clustertlstest.Leaf{Name: "dp2", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}), "cluster_control_plane"},
		{"data plane without key usage", issue(t, root, clustertlstest.Leaf{Name: "dp3"}), "cluster_control_plane"},
	}
	for _, tt := range tests {
		_, err := pki.VerifySigner(tt.signer.TLS.Certificate)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestPeerServerRefusesResumptionAfterTrustChanged: a peer accepted once
// is checked again on its next connection: a TLS session resumed from a
// ticket would skip the certificate check, so a node no longer trusted
// (its CA replaced, say) could still fetch the config cache.
func TestPeerServerRefusesResumptionAfterTrustChanged(t *testing.T) {
	t.Parallel()
	root, newRoot := clustertlstest.NewRoot(t, "root"), clustertlstest.NewRoot(t, "new root")
	server := &Trust{Cert: issue(t, root, clustertlstest.Leaf{Name: "dp1", EKU: clientAuth}), CA: loadCA(t, root)}
	client := &Trust{Cert: issue(t, root, clustertlstest.Leaf{Name: "dp2", EKU: clientAuth}), CA: loadCA(t, root)}
	srv, cli := server.PeerServerConfig(), client.PeerClientConfig()
	cli.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	if cErr, sErr := handshake(t, srv, cli); cErr != nil || sErr != nil {
		t.Fatalf("first connection: client %v, server %v", cErr, sErr)
	}
	server.CA = loadCA(t, newRoot)
	if cErr, sErr := handshake(t, srv, cli); cErr == nil && sErr == nil {
		t.Fatal("a peer whose certificate is no longer trusted connected again (session resumed)")
	}
}

// TestPeerTLSDuringSharedRotation: in shared mode a data plane that took
// the new cluster certificate still fetches from a peer that has not yet
// (it answers with the previous certificate, which the peer knows), as on
// the cluster port.
func TestPeerTLSDuringSharedRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, k := newPair(t)
	srcs := make([]*Source, 2)
	files := make([][2]string, 2)
	for i := range srcs {
		crt, key := filepath.Join(dir, fmt.Sprint(i, ".crt")), filepath.Join(dir, fmt.Sprint(i, ".key"))
		install(t, crt, key, c, k)
		src, err := NewSource(Spec{Cert: crt, Key: key, Role: RoleDataPlane}, nil)
		if err != nil {
			t.Fatal(err)
		}
		srcs[i], files[i] = src, [2]string{crt, key}
	}
	newC, newK := newPair(t)
	install(t, files[1][0], files[1][1], newC, newK)
	if err := srcs[1].Reload(); err != nil {
		t.Fatal(err)
	}
	old, rotated := &Trust{Source: srcs[0]}, &Trust{Source: srcs[1]}
	if cErr, sErr := handshake(t, old.PeerServerConfig(), rotated.PeerClientConfig()); cErr != nil || sErr != nil {
		t.Fatalf("rotated client, peer not yet rotated: client %v, server %v", cErr, sErr)
	}
	if cErr, sErr := handshake(t, rotated.PeerServerConfig(), rotated.PeerClientConfig()); cErr != nil || sErr != nil {
		t.Fatalf("two rotated nodes: client %v, server %v", cErr, sErr)
	}
}
