package hybrid

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestBadClusterCertificateStopsStartUp: the process exits with one line
// naming the file and the cause.
func TestBadClusterCertificateStopsStartUp(t *testing.T) {
	t.Parallel()
	a, b := newCluster(t), newCluster(t)
	tests := []struct {
		name, cert, key string
		want            []string
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope.crt"), a.key, []string{"cluster_cert", "nope.crt", "no such file"}},
		{"key of another certificate", a.cert, b.key, []string{a.cert, b.key, "does not match"}},
	}
	for _, tt := range tests {
		for _, role := range []string{"control_plane", "data_plane"} {
			t.Run(tt.name+"/"+role, func(t *testing.T) {
				startFails(t, role, tt.cert, tt.key, nil, tt.want, " with a bad certificate")
			})
		}
	}
}

// TestNonPEMKeyIsNotPrinted: a cluster_cert_key holding a key in another
// form than PEM (here its base64 body without the PEM lines) stops
// start-up with a reason that does not print it.
func TestNonPEMKeyIsNotPrinted(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	pemKey := string(readFile(t, c.key))
	lines := strings.Split(strings.TrimSpace(pemKey), "\n")
	secret := strings.Join(lines[1:len(lines)-1], "")
	for _, role := range []string{"control_plane", "data_plane"} {
		out := startFails(t, role, c.cert, secret, nil, []string{"cluster_cert_key", "neither a PEM block nor an existing file"}, " with a non-PEM key")
		if strings.Contains(out, secret) || strings.Contains(out, secret[:24]) {
			t.Fatalf("%s: the start-up output prints the key:\n%s", role, out)
		}
	}
}

// TestRoleStorageRules: a control plane needs a database, a data plane
// must not have one.
func TestRoleStorageRules(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	tests := []struct{ role, database, want string }{
		{"control_plane", "off", "control plane"},
		{"data_plane", "sqlite", "data plane"},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "start", "-p", t.TempDir(), "-c", os.DevNull)
			cmd.Env = append(cleanEnv(), "GANTRY_ROLE="+tt.role, "GANTRY_DATABASE="+tt.database,
				"GANTRY_CLUSTER_CERT="+c.cert, "GANTRY_CLUSTER_CERT_KEY="+c.key)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "database") || !strings.Contains(string(out), tt.want) {
				t.Fatalf("start-up with role %s and database %s: %v\n%s", tt.role, tt.database, err, out)
			}
		})
	}
}

// TestGarbageOnTheClusterPort: the CP logs it and keeps serving its DPs.
func TestGarbageOnTheClusterPort(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cp := c.cpAt(t, "127.0.0.1:0")
	dp := c.dp(t, "dp", cp.ls.Cluster[0].Address)
	up := upstream(t)
	for range 3 {
		conn, err := net.Dial("tcp", cp.ls.Cluster[0].Address)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = conn.Write([]byte("\x16\x03\x01\x00\x05hello garbage\r\n\r\n"))
		conn.Close()
	}
	testutil.Eventually(t, "the CP logs the refusal", 15*time.Second, func() bool {
		return strings.Contains(cp.out.String(), "refused during the TLS handshake")
	})
	addRoute(t, cp, "after", up, "/after")
	testutil.Eventually(t, "the DP still gets configuration", 15*time.Second, func() bool { return serves(dp, "/after") })
}

func TestGenCertRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	before, _ := os.ReadFile(c.cert)
	out, err := gantry(t, "hybrid", "gen_cert", c.cert, c.key)
	if err == nil || !strings.Contains(out, "refusing to overwrite") {
		t.Fatalf("second gen_cert: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(c.cert); string(after) != string(before) {
		t.Fatal("the certificate was overwritten")
	}
	for path, mode := range map[string]os.FileMode{c.cert: 0o644, c.key: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

// TestClusterListenerLoggedAsMTLS: the cluster listener's start-up line
// says it is mutual TLS (it said ssl=false: its listen setting carries no
// ssl flag, the listener is TLS with client certificates regardless).
func TestClusterListenerLoggedAsMTLS(t *testing.T) {
	t.Parallel()
	cp := newCluster(t).cpAt(t, "127.0.0.1:0")
	for _, line := range strings.Split(cp.out.String(), "\n") {
		if strings.Contains(line, "msg=listening") && strings.Contains(line, "listener=cluster") {
			if !strings.Contains(line, "mtls=true") || strings.Contains(line, "ssl=false") {
				t.Fatalf("the cluster listener's line: %s", line)
			}
			return
		}
	}
	t.Fatalf("no listening line for the cluster listener:\n%s", cp.out.String())
}
