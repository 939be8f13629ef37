package hybrid

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUnreadableKeyNamesFileCauseAndUser runs a data plane as the user
// nobody with a cluster key only root can read: start-up stops with one
// message naming the key file, the cause and the user. It needs root (to
// switch users with runuser) and is skipped otherwise.
func TestUnreadableKeyNamesFileCauseAndUser(t *testing.T) {
	t.Parallel()
	runuser, err := exec.LookPath("runuser")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and runuser to start gantry as another user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	// t.TempDir's parents are private to root; nobody needs to reach the
	// binary, the certificate and a prefix.
	dir, err := os.MkdirTemp("", "gantry-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	prefix := filepath.Join(dir, "prefix")
	for _, d := range []string{dir, prefix} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "gantry")
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cluster.crt"), filepath.Join(dir, "cluster.key")
	if out, err := gantry(t, "hybrid", "gen_cert", cert, key); err != nil {
		t.Fatalf("gen_cert: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, runuser, "-u", "nobody", "--", bin, "start", "-p", prefix, "-c", os.DevNull)
	cmd.Env = append(cleanEnv(), "GANTRY_ROLE=data_plane", "GANTRY_DATABASE=off",
		"GANTRY_CLUSTER_CERT="+cert, "GANTRY_CLUSTER_CERT_KEY="+key, "GANTRY_CLUSTER_CONTROL_PLANE=127.0.0.1:9",
		"GANTRY_PROXY_LISTEN=127.0.0.1:0", "GANTRY_STATUS_LISTEN=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("start-up succeeded with an unreadable key:\n%s", out)
	}
	for _, want := range []string{key, "permission denied", "nobody"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("start-up error does not mention %q:\n%s", want, out)
		}
	}
}
