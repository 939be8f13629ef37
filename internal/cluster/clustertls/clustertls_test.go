package clustertls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func genPair(t *testing.T, dir string) (string, string) {
	t.Helper()
	crt, key := filepath.Join(dir, "cluster.crt"), filepath.Join(dir, "cluster.key")
	if err := GenCert(crt, key, DefaultDays, time.Now()); err != nil {
		t.Fatal(err)
	}
	return crt, key
}

func TestGenCert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crt, key := genPair(t, dir)
	for path, mode := range map[string]os.FileMode{crt: 0o644, key: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode = %o, want %o", path, fi.Mode().Perm(), mode)
		}
	}
	c, err := Load(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf.Subject.CommonName != ServerName {
		t.Errorf("CN = %q, want %q", c.Leaf.Subject.CommonName, ServerName)
	}
	pub, ok := c.Leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P384() {
		t.Errorf("key is %T, want ECDSA P-384", c.Leaf.PublicKey)
	}
	years := c.Leaf.NotAfter.Sub(time.Now()).Hours() / 24 / 365
	if years < 2.99 || years > 3.01 {
		t.Errorf("valid for %.2f years, want 3", years)
	}
}

func TestGenCertRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crt, key := genPair(t, dir)
	before, _ := os.ReadFile(crt)
	err := GenCert(crt, key, 10, time.Now())
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second gen_cert: err = %v, want a refusal", err)
	}
	after, _ := os.ReadFile(crt)
	if string(before) != string(after) {
		t.Fatal("the existing certificate was changed")
	}
	if err := GenCert(filepath.Join(dir, "other.crt"), key, 10, time.Now()); err == nil {
		t.Fatal("gen_cert overwrote an existing key")
	}
	if _, err := os.Stat(filepath.Join(dir, "other.crt")); err == nil {
		t.Fatal("a refused gen_cert left a certificate behind")
	}
}

func TestLoadErrorsNameTheFileAndCause(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crt, key := genPair(t, dir)
	_, otherKey := genPair(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "unreadable.key")
	if err := os.WriteFile(unreadable, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cert, key string
		want            []string
	}{
		{"missing cert", filepath.Join(dir, "nope.crt"), key, []string{"cluster_cert", "nope.crt", "no such file"}},
		{"mismatched key", crt, otherKey, []string{crt, otherKey, "does not match"}},
		{"garbage cert", garbage, key, []string{garbage, "PEM"}},
	}
	if os.Geteuid() != 0 { // root reads any file
		tests = append(tests, struct {
			name, cert, key string
			want            []string
		}{"unreadable key", crt, unreadable, []string{"cluster_cert_key", unreadable, "permission denied", "runs as user"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.cert, tt.key)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("inline PEM", func(t *testing.T) {
		cp, _ := os.ReadFile(crt)
		kp, _ := os.ReadFile(key)
		if _, err := Load(string(cp), string(kp)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSharedModeTrustsOnlyTheSameCertificate runs real handshakes.
func TestSharedModeTrustsOnlyTheSameCertificate(t *testing.T) {
	t.Parallel()
	load := func() *Cert {
		crt, key := genPair(t, t.TempDir())
		c, err := Load(crt, key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mine, other := load(), load()
	tests := []struct {
		name         string
		server, dp   *Cert
		wantAccepted bool
	}{
		{"same certificate", mine, mine, true},
		{"different certificate", mine, other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, sErr := handshake(t, ServerConfig(tt.server), ClientConfig(tt.dp))
			if tt.wantAccepted && (err != nil || sErr != nil) {
				t.Fatalf("handshake failed: client %v, server %v", err, sErr)
			}
			if !tt.wantAccepted && err == nil && sErr == nil {
				t.Fatal("handshake with a foreign certificate succeeded")
			}
			if !tt.wantAccepted && err != nil && !strings.Contains(err.Error(), "not this data plane's cluster_cert") {
				t.Errorf("client error %q does not say why", err)
			}
		})
	}
}

func TestPermissionProblemNamesTheUser(t *testing.T) {
	t.Parallel()
	msg := fileProblem(&os.PathError{Op: "open", Path: "/x", Err: os.ErrPermission}, pairHint)
	if !strings.Contains(msg, "permission denied") || !strings.Contains(msg, "runs as "+RunningAs()) {
		t.Fatalf("message %q does not name the cause and the user", msg)
	}
}
