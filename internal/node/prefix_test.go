package node

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestClaimPID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // pid file before the claim; "" for none
		wantErr string
	}{
		{name: "no pid file", content: ""},
		{name: "stale pid", content: "4194304"}, // above Linux's pid_max: no such process
		{name: "garbage", content: "not a pid"},
		{name: "our own pid", content: strconv.Itoa(os.Getpid())},
		// A crash's pid file, its pid taken since by a live process: the
		// lock, not the pid, says whether a node runs.
		{name: "pid of a live process, no lock held", content: strconv.Itoa(os.Getppid())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, PIDFile)
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			release, err := claimPID(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("claimPID = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if strings.TrimSpace(string(got)) != strconv.Itoa(os.Getpid()) {
				t.Fatalf("pid file = %q, want our pid", got)
			}
			release()
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("pid file left after release: %v", err)
			}
		})
	}
}

func TestNodeID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, err := NodeID(dir)
	if err != nil || len(id) != 36 {
		t.Fatalf("NodeID = %q, %v; want a UUID", id, err)
	}
	if again, _ := NodeID(dir); again != id {
		t.Fatalf("second NodeID = %q, want the persisted %q", again, id)
	}
	os.WriteFile(filepath.Join(dir, NodeIDFile), []byte("nope\n"), 0o644)
	if _, err := NodeID(dir); err == nil || !strings.Contains(err.Error(), "not a UUID") {
		t.Fatalf("NodeID with a corrupt file = %v, want an error saying so", err)
	}
}

func TestBoundURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		b    Bound
		want string
	}{
		{Bound{Address: "0.0.0.0:8000"}, "http://127.0.0.1:8000"},
		{Bound{Address: "[::]:8443", SSL: true}, "https://[::1]:8443"},
		{Bound{Address: "10.0.0.5:8007"}, "http://10.0.0.5:8007"},
	}
	for _, tt := range tests {
		if got := tt.b.URL(); got != tt.want {
			t.Errorf("%v.URL() = %q, want %q", tt.b, got, tt.want)
		}
	}
}

// TestClaimPIDRefusesWhileLocked: while a node holds the prefix's lock, a
// second claim is refused with the holder's pid; once released, it is
// taken.
func TestClaimPIDRefusesWhileLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	release, err := claimPID(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := claimPID(dir); err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), "is running with prefix") {
		t.Fatalf("second claim = %v, want a refusal naming pid %d", err, os.Getpid())
	}
	release()
	again, err := claimPID(dir)
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	again()
}

// TestKeyPairDoesNotPrintAKey: a key setting holding something neither PEM
// nor a file (a key pasted without its PEM lines) is refused without
// printing it; a certificate path that does not exist is named.
func TestKeyPairDoesNotPrintAKey(t *testing.T) {
	t.Parallel()
	const secret = "MHcCAQEEIGsomeprivatekeymaterialthatmustneverbeprinted"
	cert := filepath.Join(t.TempDir(), "missing.crt")
	if _, err := KeyPair(cert, secret); err == nil || !strings.Contains(err.Error(), "missing.crt") {
		t.Fatalf("a missing certificate file: %v, want its path named", err)
	}
	dir := t.TempDir()
	certFile := filepath.Join(dir, "c.crt")
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := KeyPair(certFile, secret)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "neither a PEM block nor an existing file") {
		t.Fatalf("KeyPair with a non-PEM key = %v; want a refusal that does not print it", err)
	}
}
