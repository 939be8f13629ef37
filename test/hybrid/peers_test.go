package hybrid

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/testutil"
)

// source is where a data plane's running configuration came from, as its
// /status says.
func source(t *testing.T, dp *proc) string {
	t.Helper()
	var st struct {
		Cluster struct {
			Source string `json:"source"`
		} `json:"cluster"`
	}
	call(t, "GET", dp.StatusURL()+"/status", nil, &st)
	return st.Cluster.Source
}

// copyCache copies a data plane's config cache into a new prefix, editing
// it with edit when not nil, and returns the prefix.
func copyCache(t *testing.T, from *proc, edit func([]byte) []byte) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(from.Prefix, wire.CacheFile))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		data = edit(data)
	}
	prefix := t.TempDir()
	if err := os.WriteFile(filepath.Join(prefix, wire.CacheFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return prefix
}

// TestNewDPWhileCPDown: with the control plane down, a data plane started
// with an empty prefix and cluster_peers takes a running data plane's
// signed cache and serves the fleet's configuration, as does one given a
// copy of the cache by hand; when the control plane returns, it connects
// and converges. A peer offering a tampered cache is refused with the
// reason, and the new data plane stays empty and not ready.
func TestNewDPWhileCPDown(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	addr, peerAddr := testutil.ClosedAddr(t), testutil.ClosedAddr(t)
	cp := c.cpAt(t, addr)
	up := upstream(t)
	dp1 := c.dp(t, "dp1", addr, "GANTRY_CLUSTER_PEER_LISTEN="+peerAddr)
	addRoute(t, cp, "fleet", up, "/fleet")
	testutil.Eventually(t, "dp1 serves", 15*time.Second, func() bool { return serves(dp1, "/fleet") })
	testutil.Eventually(t, "dp1 cached a signed configuration", 15*time.Second, func() bool {
		cc, err := wire.ReadCache(filepath.Join(dp1.Prefix, wire.CacheFile))
		return err == nil && cc.Signed()
	})
	cp.Kill()

	dp2 := c.dp(t, "dp2", addr, "GANTRY_CLUSTER_PEERS="+peerAddr)
	if !serves(dp2, "/fleet") {
		t.Fatal("the new data plane does not serve the fleet's configuration with the control plane down")
	}
	if code := call(t, "GET", dp2.StatusURL()+"/status/ready", nil, nil); code != 200 {
		t.Fatalf("/status/ready = %d on the new data plane, want 200", code)
	}
	if got := source(t, dp2); got != "peer" {
		t.Fatalf("/status says the configuration came from %q, want peer", got)
	}
	if out := dp2.out.String(); !strings.Contains(out, "started from a peer's configuration") || !strings.Contains(out, "peer="+peerAddr) {
		t.Fatalf("dp2's log does not name the peer used:\n%s", out)
	}
	if !strings.Contains(dp1.out.String(), "config cache sent to a peer") {
		t.Fatalf("dp1's log does not show the cache it sent:\n%s", dp1.out.String())
	}

	dp3 := c.dpIn(t, "dp3", copyCache(t, dp1, nil), addr)
	if !serves(dp3, "/fleet") || source(t, dp3) != "cache" || strings.Contains(dp3.out.String(), "config cache not used") {
		t.Fatalf("a data plane given a copy of the signed cache does not serve it:\n%s", dp3.out.String())
	}
	dp3.Kill()

	// A cache whose payload was changed, with both checksums fixed so
	// only the signature can tell.
	tamperedPeer := testutil.ClosedAddr(t)
	dp4 := c.dpIn(t, "dp4", copyCache(t, dp1, func(b []byte) []byte { return tamper(t, b) }), addr, "GANTRY_CLUSTER_PEER_LISTEN="+tamperedPeer)
	if got := source(t, dp4); got != "empty" || !strings.Contains(dp4.out.String(), "the signature does not verify") {
		t.Fatalf("a data plane loaded a tampered cache (source %q):\n%s", got, dp4.out.String())
	}
	dp5 := c.dp(t, "dp5", addr, "GANTRY_CLUSTER_PEERS="+tamperedPeer)
	out := dp5.out.String()
	if !strings.Contains(out, "configuration from peer refused") || !strings.Contains(out, "peer="+tamperedPeer) || !strings.Contains(out, "the signature does not verify") {
		t.Fatalf("dp5 does not log why it refused the peer's cache:\n%s", out)
	}
	if code := call(t, "GET", dp5.StatusURL()+"/status/ready", nil, nil); code != 503 || serves(dp5, "/fleet") {
		t.Fatalf("a data plane offered only a tampered cache is ready (%d) or serves it", code)
	}
	dp4.Kill()
	dp5.Kill()

	cp.Restart()
	addRoute(t, cp, "after", up, "/after")
	testutil.Eventually(t, "dp2 connected and converged", 45*time.Second, func() bool { return serves(dp2, "/after") })
	testutil.Eventually(t, "dp2's configuration comes from the control plane", 15*time.Second, func() bool { return source(t, dp2) == "control_plane" })
}

// tamper flips a byte inside a cache file's full payload and fixes the
// payload's and the file's checksums, as a forger would.
func tamper(t *testing.T, data []byte) []byte {
	t.Helper()
	c, err := wire.DecodeCache(data)
	if err != nil {
		t.Fatal(err)
	}
	c.Payload = append([]byte{}, c.Payload...)
	c.Payload[len(c.Payload)/2] ^= 0x01
	c.Checksum = wire.Checksum(c.Payload)
	return encodeCacheFile(t, c)
}

// encodeCacheFile returns the bytes of c as a cache file.
func encodeCacheFile(t *testing.T, c *wire.Cached) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), wire.CacheFile)
	if err := wire.WriteCache(path, c); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPKINewDPWhileCPDown: in pki mode, where data plane certificates allow
// client auth only, a new data plane takes a peer's cache while the control
// plane is down. A peer offering a cache re-signed with a data plane's key
// (issued by the cluster CA, but not a control plane's certificate) is
// refused with the reason, and the next peer is used.
func TestPKINewDPWhileCPDown(t *testing.T) {
	t.Parallel()
	p := newPKINodes(t)
	cpNode, _ := p.node(t, "cp.cluster.test", x509.ExtKeyUsageServerAuth)
	node1, _ := p.node(t, "dp1", x509.ExtKeyUsageClientAuth)
	node2, _ := p.node(t, "dp2", x509.ExtKeyUsageClientAuth)
	forger, _ := p.node(t, "dp-forger", x509.ExtKeyUsageClientAuth)
	addr, peer1, forgerPeer := testutil.ClosedAddr(t), testutil.ClosedAddr(t), testutil.ClosedAddr(t)
	vars := func(extra ...string) []string {
		return p.vars(append(extra, "GANTRY_CLUSTER_SERVER_NAME=cp.cluster.test")...)
	}

	cp := cpNode.cpAt(t, addr, p.vars()...)
	dp1 := node1.dp(t, "dp1", addr, vars("GANTRY_CLUSTER_PEER_LISTEN="+peer1)...)
	addRoute(t, cp, "fleet", upstream(t), "/fleet")
	testutil.Eventually(t, "dp1 serves", 20*time.Second, func() bool { return serves(dp1, "/fleet") })
	testutil.Eventually(t, "dp1 cached a signed configuration", 15*time.Second, func() bool {
		cc, err := wire.ReadCache(filepath.Join(dp1.Prefix, wire.CacheFile))
		return err == nil && cc.Signed()
	})
	cp.Kill()

	forged := copyCache(t, dp1, func(b []byte) []byte { return resign(t, b, forger) })
	forger.dpIn(t, "dp-forger", forged, addr, vars("GANTRY_CLUSTER_PEER_LISTEN="+forgerPeer)...)
	dp2 := node2.dp(t, "dp2", addr, vars("GANTRY_CLUSTER_PEERS="+forgerPeer+","+peer1)...)
	if !serves(dp2, "/fleet") || source(t, dp2) != "peer" {
		t.Fatalf("the new data plane does not serve dp1's configuration:\n%s", dp2.out.String())
	}
	out := dp2.out.String()
	for _, want := range []string{
		"configuration from peer refused\" component=cluster peer=" + forgerPeer,
		"not a control plane's certificate issued by cluster_ca_cert",
		"started from a peer's configuration, signed by the control plane\" component=cluster peer=" + peer1,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dp2's log does not say %q", want)
		}
	}
}

// resign signs every payload of a cache file again with node's key and
// certificate chain, as a data plane trying to pass off its own
// configuration would.
func resign(t *testing.T, data []byte, node cluster) []byte {
	t.Helper()
	cert, err := clustertls.Load(node.cert, node.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wire.DecodeCache(data)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(s *wire.Signature, payload []byte) {
		if s.Sig, err = cert.Sign(wire.SignedDigest(s.Version, s.Hash, payload)); err != nil {
			t.Fatal(err)
		}
		s.Chain = cert.TLS.Certificate
	}
	sign(c.Sig, c.Payload)
	for _, d := range c.Deltas {
		sign(d.Sig, d.Payload)
	}
	return encodeCacheFile(t, c)
}

// TestPKIForgerAllowingServerAuth: without cluster_server_name, a data
// plane trusts a control plane only for the host of cluster_control_plane,
// so a cache re-signed by a data plane whose certificate from the cluster
// CA also allows server auth is refused, and the next peer is used.
func TestPKIForgerAllowingServerAuth(t *testing.T) {
	t.Parallel()
	p := newPKINodes(t)
	cpNode, _ := p.node(t, "localhost", x509.ExtKeyUsageServerAuth)
	node1, _ := p.node(t, "dp1", x509.ExtKeyUsageClientAuth)
	node2, _ := p.node(t, "dp2", x509.ExtKeyUsageClientAuth)
	crt, key, _ := p.issuer.WriteLeaf(t, p.dir, "dp-forger", clustertlstest.Leaf{Name: "dp-forger",
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}, OCSP: []string{p.ocsp.URL}})
	forger := cluster{cert: crt, key: key}
	addr, peer1, forgerPeer := testutil.ClosedAddr(t), testutil.ClosedAddr(t), testutil.ClosedAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cpAddr := "localhost:" + port

	cp := cpNode.cpAt(t, addr, p.vars()...)
	dp1 := node1.dp(t, "dp1", cpAddr, p.vars("GANTRY_CLUSTER_PEER_LISTEN="+peer1)...)
	addRoute(t, cp, "fleet", upstream(t), "/fleet")
	testutil.Eventually(t, "dp1 serves", 20*time.Second, func() bool { return serves(dp1, "/fleet") })
	testutil.Eventually(t, "dp1 cached a signed configuration", 15*time.Second, func() bool {
		cc, err := wire.ReadCache(filepath.Join(dp1.Prefix, wire.CacheFile))
		return err == nil && cc.Signed()
	})
	cp.Kill()

	forged := copyCache(t, dp1, func(b []byte) []byte { return resign(t, b, forger) })
	forger.dpIn(t, "dp-forger", forged, cpAddr, p.vars("GANTRY_CLUSTER_PEER_LISTEN="+forgerPeer)...)
	dp2 := node2.dp(t, "dp2", cpAddr, p.vars("GANTRY_CLUSTER_PEERS="+forgerPeer+","+peer1)...)
	if !serves(dp2, "/fleet") || source(t, dp2) != "peer" {
		t.Fatalf("the new data plane does not serve dp1's configuration:\n%s", dp2.out.String())
	}
	out := dp2.out.String()
	for _, want := range []string{
		"configuration from peer refused\" component=cluster peer=" + forgerPeer,
		"carries no host of cluster_control_plane (localhost)",
		"started from a peer's configuration, signed by the control plane\" component=cluster peer=" + peer1,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dp2's log does not say %q:\n%s", want, out)
		}
	}
}
