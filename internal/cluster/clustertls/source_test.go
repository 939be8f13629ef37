package clustertls

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// logger writes a Source's log lines to buf.
func logger(buf *testutil.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(buf, nil)) }

// sharedSource installs a fresh pair in a temporary directory and returns
// a Source of role reading it, its files and its log.
func sharedSource(t *testing.T, role Role) (src *Source, crt, key string, logs *testutil.Buffer) {
	t.Helper()
	dir := t.TempDir()
	crt, key = filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	c, k := newPair(t)
	install(t, crt, key, c, k)
	logs = &testutil.Buffer{}
	src, err := NewSource(Spec{Cert: crt, Key: key, Role: role}, logger(logs))
	if err != nil {
		t.Fatal(err)
	}
	return src, crt, key, logs
}

// newPair makes a shared-mode pair in a fresh directory and returns its
// files' contents.
func newPair(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	crt, key := genPair(t, t.TempDir())
	c, err := os.ReadFile(crt)
	if err != nil {
		t.Fatal(err)
	}
	k, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

// install writes a pair where a Source reads it.
func install(t *testing.T, crt, key string, certPEM, keyPEM []byte) {
	t.Helper()
	clustertlstest.Write(t, crt, certPEM)
	clustertlstest.Write(t, key, keyPEM)
}

func TestSourceReloadsSharedCertificate(t *testing.T) {
	t.Parallel()
	src, crt, key, logs := sharedSource(t, RoleControlPlane)
	newC, newK := newPair(t)
	old := src.Current()

	t.Run("unchanged files change nothing", func(t *testing.T) {
		if err := src.Reload(); err != nil {
			t.Fatal(err)
		}
		if src.Current() != old {
			t.Fatal("a reload of the same files replaced the material")
		}
	})

	install(t, crt, key, newC, newK)
	if err := src.Reload(); err != nil {
		t.Fatal(err)
	}
	cur := src.Current()
	if cur.Cert.Fingerprint() == old.Cert.Fingerprint() {
		t.Fatal("the certificate was not replaced")
	}
	if cur.Prev == nil || cur.Prev.Fingerprint() != old.Cert.Fingerprint() {
		t.Fatal("the replaced certificate is not kept as the previous one")
	}
	out := logs.String()
	if !strings.Contains(out, "cluster certificate reloaded") || !strings.Contains(out, cur.Cert.Fingerprint()) {
		t.Fatalf("the reload is not logged with the new fingerprint:\n%s", out)
	}
	if keyLine := bytes.Split(newK, []byte("\n"))[1]; strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, string(keyLine)) {
		t.Fatalf("the key was logged:\n%s", out)
	}

	// Real handshakes between nodes at each stage of a rotation.
	oldOnly, newOnly := &Material{Cert: old.Cert}, &Material{Cert: cur.Cert}
	for _, tt := range []struct {
		name     string
		cp, dp   *Material
		accepted bool
	}{
		{"rotated CP, rotated DP", cur, cur, true},
		{"rotated CP, DP with only the new cert", cur, newOnly, true},
		{"CP not rotated yet, rotated DP (answers with the previous cert)", oldOnly, cur, true},
		{"rotated CP, DP not rotated yet (refused until its files change)", cur, oldOnly, false},
		{"CP with only the new cert, DP with only the old", newOnly, oldOnly, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cErr, sErr := handshake(t, tt.cp.ServerConfig(nil), tt.dp.ClientConfig(""))
			if tt.accepted != (cErr == nil && sErr == nil) {
				t.Fatalf("accepted = %v, want %v (client %v, server %v)", !tt.accepted, tt.accepted, cErr, sErr)
			}
		})
	}

	t.Run("the CP accepts the previous certificate from a DP", func(t *testing.T) {
		if cur.shared(old.Cert.TLS.Certificate[0]) != cur.Prev || cur.shared(newOnly.Cert.TLS.Certificate[0]) != cur.Cert {
			t.Fatal("current or previous certificate not recognised")
		}
		third, _ := newPair(t)
		if cur.shared(third) != nil { // PEM, not DER: never equal
			t.Fatal("a foreign certificate was recognised")
		}
	})

	t.Run("the next rotation drops the oldest certificate", func(t *testing.T) {
		c3, k3 := newPair(t)
		install(t, crt, key, c3, k3)
		if err := src.Reload(); err != nil {
			t.Fatal(err)
		}
		m := src.Current()
		if m.Prev.Fingerprint() != cur.Cert.Fingerprint() || m.shared(old.Cert.TLS.Certificate[0]) != nil {
			t.Fatal("the certificate before the previous one is still accepted")
		}
	})
}

func TestSourceRefusesBadRotation(t *testing.T) {
	t.Parallel()
	src, crt, key, logs := sharedSource(t, RoleDataPlane)
	_, otherK := newPair(t)
	old := src.Current()

	clustertlstest.Write(t, key, otherK) // the key of another certificate
	err := src.Reload()
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("Reload = %v, want a key mismatch", err)
	}
	if src.Current() != old {
		t.Fatal("a refused rotation replaced the material")
	}
	out := logs.String()
	if !strings.Contains(out, "rotation refused") || !strings.Contains(out, "cluster_cert="+crt) || !strings.Contains(out, "does not match") {
		t.Fatalf("the refusal is not logged with the file and the reason:\n%s", out)
	}
	// The old certificate still serves handshakes.
	if cErr, sErr := handshake(t, ServerConfig(old.Cert), src.ClientConfig()); cErr != nil || sErr != nil {
		t.Fatalf("handshake with the kept certificate failed: client %v, server %v", cErr, sErr)
	}

	t.Run("missing file", func(t *testing.T) {
		if err := os.Remove(key); err != nil {
			t.Fatal(err)
		}
		if err := src.Reload(); err == nil || !strings.Contains(err.Error(), "no such file") || src.Current() != old {
			t.Fatalf("Reload = %v, or the material was replaced", err)
		}
	})
}

func TestSourceWatchAppliesChangedFiles(t *testing.T) {
	t.Parallel()
	src, crt, key, logs := sharedSource(t, RoleDataPlane)
	old := src.Current()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Watch(ctx, 10*time.Millisecond)
	}()
	defer func() { cancel(); <-done }()

	// A bad pair is refused once, not at every check.
	_, otherK := newPair(t)
	clustertlstest.Write(t, key, otherK)
	waitFor(t, func() bool { return strings.Contains(logs.String(), "rotation refused") })
	time.Sleep(100 * time.Millisecond) // several more checks
	if n := strings.Count(logs.String(), "rotation refused"); n != 1 {
		t.Fatalf("the refusal was logged %d times, want once:\n%s", n, logs.String())
	}
	if src.Current() != old {
		t.Fatal("a refused rotation replaced the material")
	}

	newC, newK := newPair(t)
	install(t, crt, key, newC, newK)
	waitFor(t, func() bool { return src.Current() != old })
	if block, _ := pem.Decode(newC); !bytes.Equal(block.Bytes, src.Current().Cert.TLS.Certificate[0]) {
		t.Fatal("the watched files' certificate is not the current one")
	}
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}

func TestSourcePKIRotation(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "old root")
	newRoot := clustertlstest.NewRoot(t, "new root")
	other := clustertlstest.NewRoot(t, "foreign root")
	dir := t.TempDir()
	caPath := root.WriteCert(t, dir, "ca")
	cpCrt, cpKey, _ := root.WriteLeaf(t, dir, "cp", clustertlstest.Leaf{Name: "cp.example.test", EKU: serverAuth})
	dpCrt, dpKey, _ := root.WriteLeaf(t, dir, "dp", clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
	logs := &testutil.Buffer{}
	cp, err := NewSource(Spec{Cert: cpCrt, Key: cpKey, PKI: true, CA: caPath, Role: RoleControlPlane, ServerName: "cp.example.test"}, logger(logs))
	if err != nil {
		t.Fatal(err)
	}
	dp, err := NewSource(Spec{Cert: dpCrt, Key: dpKey, PKI: true, CA: caPath, Role: RoleDataPlane, ServerName: "cp.example.test"}, logger(logs))
	if err != nil {
		t.Fatal(err)
	}
	handshakeOK := func(t *testing.T) {
		t.Helper()
		if cErr, sErr := handshake(t, cp.ServerConfig(), dp.ClientConfig()); cErr != nil || sErr != nil {
			t.Fatalf("handshake failed: client %v, server %v", cErr, sErr)
		}
	}
	handshakeOK(t)

	// writeLeaf replaces a node's pair with l issued by ca.
	writeLeaf := func(ca *clustertlstest.CA, crt, key string, l clustertlstest.Leaf) {
		_, c, k := ca.Issue(t, l)
		install(t, crt, key, c, k)
	}
	refused := func(t *testing.T, src *Source, want string) {
		t.Helper()
		before := src.Current()
		err := src.Reload()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Reload = %v, want an error saying %q", err, want)
		}
		if src.Current() != before {
			t.Fatal("a refused rotation replaced the material")
		}
	}

	t.Run("a new leaf from the same CA", func(t *testing.T) {
		before := dp.Current()
		writeLeaf(root, dpCrt, dpKey, clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
		if err := dp.Reload(); err != nil {
			t.Fatal(err)
		}
		if dp.Current() == before || dp.Current().Prev != nil {
			t.Fatal("the new leaf is not current, or pki mode kept a previous certificate")
		}
		handshakeOK(t)
	})

	t.Run("a leaf of another CA is refused", func(t *testing.T) {
		writeLeaf(other, dpCrt, dpKey, clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
		refused(t, dp, "unknown authority")
		if !strings.Contains(logs.String(), "cluster_cert="+dpCrt) {
			t.Fatalf("the refusal does not name the file:\n%s", logs.String())
		}
		handshakeOK(t) // the kept certificate still works
	})

	t.Run("a CP leaf without cluster_server_name is refused", func(t *testing.T) {
		orig, _ := os.ReadFile(cpCrt)
		origKey, _ := os.ReadFile(cpKey)
		writeLeaf(root, cpCrt, cpKey, clustertlstest.Leaf{Name: "elsewhere.example.test", EKU: serverAuth})
		refused(t, cp, "cluster_server_name")
		install(t, cpCrt, cpKey, orig, origKey)
	})

	t.Run("a CA bundle carries a CA rotation", func(t *testing.T) {
		bundle := append(clustertlstest.CertPEM(root.Cert), clustertlstest.CertPEM(newRoot.Cert)...)
		clustertlstest.Write(t, caPath, bundle)
		if err := cp.Reload(); err != nil {
			t.Fatal(err)
		}
		// The DP moves to the new CA first: a leaf of the new root and
		// the bundle; the CP, still on its old-root leaf, accepts it.
		writeLeaf(newRoot, dpCrt, dpKey, clustertlstest.Leaf{Name: "dp", EKU: clientAuth})
		if err := dp.Reload(); err != nil {
			t.Fatal(err)
		}
		if n := len(dp.Current().CA.Certs); n != 2 {
			t.Fatalf("the bundle loaded %d CAs, want 2", n)
		}
		handshakeOK(t)
		// Then the CP; then the old root leaves the bundle.
		writeLeaf(newRoot, cpCrt, cpKey, clustertlstest.Leaf{Name: "cp.example.test", EKU: serverAuth})
		if err := cp.Reload(); err != nil {
			t.Fatal(err)
		}
		handshakeOK(t)
		clustertlstest.Write(t, caPath, clustertlstest.CertPEM(newRoot.Cert))
		if err := cp.Reload(); err != nil {
			t.Fatal(err)
		}
		if err := dp.Reload(); err != nil {
			t.Fatal(err)
		}
		handshakeOK(t)
	})

	t.Run("a CA file that no longer issues the node's cert is refused", func(t *testing.T) {
		clustertlstest.Write(t, caPath, clustertlstest.CertPEM(other.Cert))
		refused(t, cp, "unknown authority")
		refused(t, dp, "unknown authority")
		handshakeOK(t)
	})
}

// expiredCA is the PEM of a self-signed CA whose validity ended an hour ago.
func expiredCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "retired root"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCABundle(t *testing.T) {
	t.Parallel()
	a, b := clustertlstest.NewRoot(t, "root a"), clustertlstest.NewRoot(t, "root b")
	old := expiredCA(t)
	bundle := append(append(append([]byte{}, old...), clustertlstest.CertPEM(a.Cert)...), clustertlstest.CertPEM(b.Cert)...)
	ca, err := parseCA(bundle, "bundle.crt")
	if err != nil {
		t.Fatal(err)
	}
	if len(ca.Certs) != 2 || ca.Cert != ca.Certs[0] || ca.Cert.Subject.CommonName != "root a" {
		t.Fatalf("bundle loaded %d CAs (first %q), want root a and root b without the expired one", len(ca.Certs), ca.Cert.Subject.CommonName)
	}
	for _, root := range []*clustertlstest.CA{a, b} {
		if err := ca.CheckOwn(issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), RoleDataPlane); err != nil {
			t.Errorf("a leaf of %q is not accepted by the bundle: %v", root.Cert.Subject.CommonName, err)
		}
	}
	err = ca.CheckOwn(issue(t, clustertlstest.NewRoot(t, "c"), clustertlstest.Leaf{Name: "dp", EKU: clientAuth}), RoleDataPlane)
	if err == nil || !strings.Contains(err.Error(), `"CN=root a", "CN=root b"`) {
		t.Fatalf("error %v does not name the bundle's CAs", err)
	}
	if _, err := parseCA(old, "old.crt"); err == nil || !strings.Contains(err.Error(), "cluster_ca_cert old.crt: the CA expired") {
		t.Fatalf("a file of expired CAs: %v, want an error naming the file", err)
	}
	leafAfter := append(clustertlstest.CertPEM(a.Cert), clustertlstest.CertPEM(issue(t, a, clustertlstest.Leaf{Name: "x"}).Leaf)...)
	if _, err := parseCA(leafAfter, "mixed.crt"); err == nil || !strings.Contains(err.Error(), "not a CA certificate") {
		t.Fatalf("a bundle holding a leaf: %v, want a refusal", err)
	}
}

// BenchmarkHandshake compares a full mTLS handshake with a fixed
// configuration and with one built from a Source for each handshake.
func BenchmarkHandshake(b *testing.B) {
	dir := b.TempDir()
	crt, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if err := GenCert(crt, key, 10, time.Now()); err != nil {
		b.Fatal(err)
	}
	src, err := NewSource(Spec{Cert: crt, Key: key}, nil)
	if err != nil {
		b.Fatal(err)
	}
	c := src.Current().Cert
	static := ServerConfig(c)
	staticClient := ClientConfig(c)
	for _, bb := range []struct {
		name           string
		server, client func() *tls.Config
	}{
		{"static", func() *tls.Config { return static }, func() *tls.Config { return staticClient }},
		{"source", src.ServerConfig, src.ClientConfig},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				cl, sv := net.Pipe()
				done := make(chan error, 1)
				go func() { done <- tls.Server(sv, bb.server()).Handshake() }()
				if err := tls.Client(cl, bb.client()).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				cl.Close()
				sv.Close()
			}
		})
	}
}

// TestSourceWatchSeesASecretMountSwap swaps the files as Kubernetes
// updates a mounted secret: new files in a new directory, then one rename
// of the ..data symlink the visible names point through.
func TestSourceWatchSeesASecretMountSwap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	version := func(name string, c, k []byte) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
		install(t, filepath.Join(dir, name, "tls.crt"), filepath.Join(dir, name, "tls.key"), c, k)
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(name, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	c1, k1 := newPair(t)
	version("..v1", c1, k1)
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for _, f := range []string{"tls.crt", "tls.key"} {
		if err := os.Symlink(filepath.Join("..data", f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	src, err := NewSource(Spec{Cert: crt, Key: key, Role: RoleDataPlane}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := src.Current()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Watch(ctx, 10*time.Millisecond)
	}()
	defer func() { cancel(); <-done }()

	c2, k2 := newPair(t)
	version("..v2", c2, k2)
	waitFor(t, func() bool { return src.Current() != old })
	if block, _ := pem.Decode(c2); !bytes.Equal(block.Bytes, src.Current().Cert.TLS.Certificate[0]) {
		t.Fatal("the swapped-in certificate is not the current one")
	}
}
