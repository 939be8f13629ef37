package hybrid

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/testutil"
)

func TestWrongCertificateIsRefused(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	intruder := newCluster(t).dp(t, "intruder", cp.ls.Cluster[0].Address)
	testutil.Eventually(t, "both sides log why", 15*time.Second, func() bool {
		return strings.Contains(cp.out.String(), "refused during the TLS handshake") &&
			strings.Contains(intruder.out.String(), "not this data plane's cluster_cert")
	})
	if len(dataPlanes(t, cp)) != 0 {
		t.Fatal("a data plane with a foreign certificate is listed")
	}
}

func TestNewerMinorVersionIsRefused(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	addRoute(t, cp, "echo", upstream(t), "/echo")
	var info struct {
		Version string `json:"gantry_version"`
	}
	call(t, "GET", cp.AdminURL()+"/", nil, &info)
	var major, minor int
	if _, err := fmt.Sscanf(info.Version, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("CP version %q: %v", info.Version, err)
	}
	newer := fmt.Sprintf("%d.%d.0", major, minor+1)
	dp := c.dp(t, "newer", cp.ls.Cluster[0].Address, "GANTRY_TEST_CLUSTER_DP_VERSION="+newer)
	testutil.Eventually(t, "refusal listed", 15*time.Second, func() bool {
		r, ok := rowOf(t, cp, dp)
		return ok && r.SyncStatus == "kong_version_incompatible"
	})
	testutil.Eventually(t, "the DP logs both versions", 15*time.Second, func() bool {
		out := dp.out.String()
		return strings.Contains(out, "refused this data plane") && strings.Contains(out, newer) && strings.Contains(out, info.Version)
	})
	if serves(dp, "/echo") {
		t.Fatal("a refused data plane received configuration")
	}
}

func TestDPMissingAConfiguredPluginGetsNoPush(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	addRoute(t, cp, "echo", upstream(t), "/echo")
	mustCall(t, 201, "POST", cp.AdminURL()+"/plugins", map[string]any{"name": "cors"})
	dp := c.dp(t, "no-cors", cp.ls.Cluster[0].Address, "GANTRY_PLUGINS=key-auth,basic-auth")
	testutil.Eventually(t, "plugin_set_incompatible listed", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return r.SyncStatus == "plugin_set_incompatible"
	})
	time.Sleep(time.Second)
	if serves(dp, "/echo") {
		t.Fatal("configuration was pushed to a data plane without the cors plugin")
	}
	if n := strings.Count(cp.out.String(), "configuration not pushed to data plane"); n != 1 {
		t.Fatalf("CP logged %d warnings, want one", n)
	}
}

// TestRejectedConfigKeepsThePreviousOne uses a CA certificate that expires
// after the CP accepted it: the next push fails the DP's own validation.
func TestRejectedConfigKeepsThePreviousOne(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	up := upstream(t)
	dp := c.dp(t, "dp", cp.ls.Cluster[0].Address)
	addRoute(t, cp, "first", up, "/first")
	mustCall(t, 201, "POST", cp.AdminURL()+"/ca_certificates", map[string]any{"cert": shortLivedCA(t, 3*time.Second)})
	testutil.Eventually(t, "dp runs the CP's configuration", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return serves(dp, "/first") && r.RunsExpected && hashOf(dp) == r.ExpectedConfigHash
	})
	good := hashOf(dp)
	time.Sleep(3500 * time.Millisecond) // the CA certificate expires
	addRoute(t, cp, "second", up, "/second")
	testutil.Eventually(t, "CP shows the rejection", 15*time.Second, func() bool {
		r, _ := rowOf(t, cp, dp)
		return r.LastRejection != nil && strings.Contains(r.LastRejection.Error, "ca_certificates") && strings.Contains(r.LastRejection.Error, "expired")
	})
	if serves(dp, "/second") || !serves(dp, "/first") || hashOf(dp) != good {
		t.Fatal("the data plane does not keep serving its previous configuration")
	}
}

func shortLivedCA(t *testing.T, life time.Duration) string {
	t.Helper()
	return entitytest.SelfSigned(t, entitytest.CertOptions{CA: true, Names: []string{"short-lived CA"}, NotAfter: time.Now().Add(life)}).Cert
}

// TestControlPlaneRefusesAForeignClientItself: a client that does not
// check the control plane's certificate at all (so no data-plane-side
// check can refuse first) and presents another cluster's certificate is
// refused by the control plane, which logs why.
func TestControlPlaneRefusesAForeignClientItself(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	other := newCluster(t)
	pair, err := tls.LoadX509KeyPair(other.cert, other.key)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", cp.ls.Cluster[0].Address,
		&tls.Config{Certificates: []tls.Certificate{pair}, InsecureSkipVerify: true, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12})
	if err == nil {
		// TLS 1.3: the server checks the client's certificate after the
		// client's side of the handshake is done; its verdict arrives on
		// the first read. An accepted client would read HTTP/2 settings.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var b [64]byte
		n, rerr := conn.Read(b[:])
		conn.Close()
		if rerr == nil {
			t.Fatalf("the control plane accepted a foreign client certificate: it sent %d bytes (%q)", n, b[:n])
		}
	}
	testutil.Eventually(t, "the control plane logs why", 15*time.Second, func() bool {
		return strings.Contains(cp.out.String(), "refused during the TLS handshake") &&
			strings.Contains(cp.out.String(), "client certificate is not this control plane's cluster_cert")
	})
}
