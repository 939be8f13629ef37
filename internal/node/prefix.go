package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/uuid"
)

// Files a node keeps in its prefix.
const (
	NodeIDFile    = "node_id"
	PIDFile       = "gantry.pid"
	ListenersFile = "listeners.json"
)

// preparePrefix creates the prefix directory, telling the user what to do
// when they may not (the default must work without root).
func preparePrefix(prefix string) error {
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return fmt.Errorf("cannot create prefix directory %s (running as %s): %w; choose another with -p DIR or GANTRY_PREFIX", prefix, whoami(), err)
	}
	return nil
}

// NodeID returns the node's UUID from <prefix>/node_id, creating it on first
// start. It never changes afterwards: the control plane keys data planes by it.
func NodeID(prefix string) (string, error) {
	path := filepath.Join(prefix, NodeIDFile)
	data, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(data))
		if _, perr := uuid.Parse(id); perr != nil {
			return "", fmt.Errorf("%s holds %q, which is not a UUID: delete the file to get a new node id", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot read node id (running as %s): %w", whoami(), err)
	}
	id := uuid.NewString()
	if err := writeFileAtomic(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("cannot save node id: %w", err)
	}
	return id, nil
}

// claimPID writes our pid to <prefix>/gantry.pid, refusing when another live
// process already holds the prefix. A stale file (process gone) is replaced.
func claimPID(prefix string) (release func(), err error) {
	path := filepath.Join(prefix, PIDFile)
	if data, err := os.ReadFile(path); err == nil {
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil && pid != os.Getpid() && alive(pid) {
			return nil, fmt.Errorf("another Gantry (pid %d, see %s) is running with prefix %s: stop it, or start this one with another -p DIR", pid, path, prefix)
		}
	}
	if err := writeFileAtomic(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write pid file: %w", err)
	}
	return func() { _ = os.Remove(path) }, nil
}

// alive reports whether a process with that pid exists (EPERM means it
// exists but belongs to someone else).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writeFileAtomic writes data so readers see the old file or the new one,
// never a partial one: temp file in the same directory, fsync, rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func whoami() string {
	if u, err := user.Current(); err == nil {
		return fmt.Sprintf("user %s (uid %s)", u.Username, u.Uid)
	}
	return "uid " + strconv.Itoa(os.Getuid())
}
