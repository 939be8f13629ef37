package hybrid

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// certSet is one generation of cluster certificates: the control plane's
// pair and the data plane's (the same pair in shared mode).
type certSet struct {
	cpCert, cpKey, dpCert, dpKey []byte
}

// dpExpiry is what the CP's row shows for a DP holding s.
func (s certSet) dpExpiry(t *testing.T) int64 {
	t.Helper()
	block, _ := pem.Decode(s.dpCert)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.NotAfter.Unix()
}

// rotationMode makes the certificates of one cluster_mtls mode.
type rotationMode struct {
	name string
	vars []string // settings of every node
	// gen makes generation n (1, 2, …): each expires at a different second.
	gen func(t *testing.T, n int) certSet
	// badDP is a data plane pair that must be refused.
	badDP  func(t *testing.T, s certSet) (cert, key []byte)
	badWhy string
}

func rotationModes(t *testing.T) []rotationMode {
	shared := rotationMode{
		name: "shared",
		gen: func(t *testing.T, n int) certSet {
			dir := t.TempDir()
			crt, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
			if err := clustertls.GenCert(crt, key, 100*n, time.Now()); err != nil {
				t.Fatal(err)
			}
			c, k := readFile(t, crt), readFile(t, key)
			return certSet{c, k, c, k}
		},
		// The new certificate with the key of another one.
		badDP: func(t *testing.T, s certSet) ([]byte, []byte) {
			other := newCluster(t)
			return s.dpCert, readFile(t, other.key)
		},
		badWhy: "does not match",
	}
	root := clustertlstest.NewRoot(t, "cluster root")
	issuer := root.Intermediate(t, "cluster issuing")
	foreign := clustertlstest.NewRoot(t, "foreign root")
	caPath := root.WriteCert(t, t.TempDir(), "ca")
	pki := rotationMode{
		name: "pki",
		vars: []string{"GANTRY_CLUSTER_MTLS=pki", "GANTRY_CLUSTER_CA_CERT=" + caPath, "GANTRY_CLUSTER_SERVER_NAME=cp.cluster.test"},
		gen: func(t *testing.T, n int) certSet {
			life := time.Duration(n) * time.Hour
			_, cc, ck := issuer.Issue(t, clustertlstest.Leaf{Name: "cp.cluster.test", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, Life: life})
			_, dc, dk := issuer.Issue(t, clustertlstest.Leaf{Name: "dp", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, Life: life})
			return certSet{cc, ck, dc, dk}
		},
		// A good-looking leaf of a CA the cluster does not trust.
		badDP: func(t *testing.T, _ certSet) ([]byte, []byte) {
			_, c, k := foreign.Issue(t, clustertlstest.Leaf{Name: "dp", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			return c, k
		},
		badWhy: "unknown authority",
	}
	return []rotationMode{shared, pki}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// installPair writes a pair into a node's files and returns them as the
// harness's cluster.
func installPair(t *testing.T, c cluster, cert, key []byte) {
	t.Helper()
	clustertlstest.Write(t, c.key, key)
	clustertlstest.Write(t, c.cert, cert)
}

func nodeFiles(t *testing.T) cluster {
	dir := t.TempDir()
	return cluster{cert: filepath.Join(dir, "cluster.crt"), key: filepath.Join(dir, "cluster.key")}
}

// TestClusterCertificatesRotateWithoutRestart runs the built binary in
// both cluster_mtls modes: under steady traffic through a data plane, its
// certificate is rotated on SIGHUP and the control plane's by changing the
// files; a rotation that does not verify is refused with a log line naming
// the file while the old certificate keeps working; the established stream
// keeps receiving configuration; a new DP holding only the new certificate
// connects; the first DP, once it reconnects, is listed with its new
// certificate's expiry. Not one proxied request fails.
func TestClusterCertificatesRotateWithoutRestart(t *testing.T) {
	t.Parallel()
	for _, m := range rotationModes(t) {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			rotate(t, m)
		})
	}
}

func rotate(t *testing.T, m rotationMode) {
	old := m.gen(t, 1)
	cpFiles, dpFiles := nodeFiles(t), nodeFiles(t)
	installPair(t, cpFiles, old.cpCert, old.cpKey)
	installPair(t, dpFiles, old.dpCert, old.dpKey)
	addr := testutil.ClosedAddr(t)
	cp := cpFiles.cpAt(t, addr, m.vars...)
	up := upstream(t)
	addRoute(t, cp, "steady", up, "/steady")
	dp := dpFiles.dp(t, "dp", addr, m.vars...)
	testutil.Eventually(t, "the DP serves", 20*time.Second, func() bool { return serves(dp, "/steady") })
	testutil.Eventually(t, "the DP is listed with its certificate's expiry", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return r.CertDetails.ExpiryTimestamp == old.dpExpiry(t)
	})

	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	t.Cleanup(halt)
	var ok, failed atomic.Int64
	var traffic sync.WaitGroup
	traffic.Go(func() { // every 20 ms until the end, bounded in count
		for range 20000 {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if serves(dp, "/steady") {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})

	next := m.gen(t, 2)
	if next.dpExpiry(t) == old.dpExpiry(t) {
		t.Fatal("the generations expire at the same second: the test could not tell them apart")
	}

	// The DP, on SIGHUP: first a pair that does not verify, then the new one.
	bc, bk := m.badDP(t, next)
	installPair(t, dpFiles, bc, bk)
	dp.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "the DP refuses the bad rotation, naming the file and why", 15*time.Second, func() bool {
		line := grepLines(dp.out.String(), "rotation refused")
		return strings.Contains(line, dpFiles.cert) && strings.Contains(line, m.badWhy)
	})
	if strings.Contains(dp.out.String(), "cluster certificate reloaded") {
		t.Fatal("the DP took a certificate that does not verify")
	}
	installPair(t, dpFiles, next.dpCert, next.dpKey)
	dp.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "the DP reloads its certificate", 15*time.Second, func() bool {
		return strings.Contains(dp.out.String(), "cluster certificate reloaded")
	})

	// The CP, by noticing its files changed: first its new certificate
	// with the old key (refused), then the new key too.
	clustertlstest.Write(t, cpFiles.cert, next.cpCert)
	testutil.Eventually(t, "the CP refuses the mismatched pair, naming the file", 20*time.Second, func() bool {
		line := grepLines(cp.out.String(), "rotation refused")
		return strings.Contains(line, cpFiles.cert) && strings.Contains(line, "does not match")
	})
	clustertlstest.Write(t, cpFiles.key, next.cpKey)
	testutil.Eventually(t, "the CP notices its new files", 20*time.Second, func() bool {
		return strings.Contains(cp.out.String(), "cluster certificate reloaded")
	})

	// The established stream keeps receiving configuration.
	addRoute(t, cp, "after", up, "/after")
	testutil.Eventually(t, "the DP gets a change over its established stream", 20*time.Second, func() bool { return serves(dp, "/after") })
	if n := strings.Count(dp.out.String(), "connected to the control plane"); n != 1 {
		t.Fatalf("the DP connected %d times; the rotation should not cut its stream", n)
	}

	// A new DP holding only the new certificate connects: the CP's new
	// connections use its new certificate.
	dp2Files := nodeFiles(t)
	installPair(t, dp2Files, next.dpCert, next.dpKey)
	dp2 := dp2Files.dp(t, "dp2", addr, m.vars...)
	testutil.Eventually(t, "a DP with only the new certificate serves", 20*time.Second, func() bool { return serves(dp2, "/after") })
	testutil.Eventually(t, "it is listed with the new expiry", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp2)
		return r.CertDetails.ExpiryTimestamp == next.dpExpiry(t)
	})

	// The first DP reconnects (the CP restarts and, fresh, trusts only the
	// new certificate): it dials with its rotated certificate.
	cp.Kill()
	cp.Restart()
	testutil.Eventually(t, "the first DP reconnects and is listed with its new expiry", 60*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return r.CertDetails.ExpiryTimestamp == next.dpExpiry(t)
	})

	halt()
	traffic.Wait()
	t.Logf("DP:\n%s\nCP:\n%s", grepLines(dp.out.String(), "cluster certificate"), grepLines(cp.out.String(), "cluster certificate"))
	t.Logf("%s: %d requests during the rotation, %d failed", m.name, ok.Load()+failed.Load(), failed.Load())
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Fatalf("%d of %d proxied requests failed during the rotation", failed.Load(), ok.Load()+failed.Load())
	}
}
