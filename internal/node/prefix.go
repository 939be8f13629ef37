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
	LockFile      = "gantry.lock"
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

// claimPID takes an exclusive lock on <prefix>/gantry.lock for the node's
// lifetime and writes our pid to <prefix>/gantry.pid, for operators and
// scripts. Another node holding the lock is refused, by its pid. The
// kernel drops the lock when the process ends, however it ends: a pid file
// left by a crash, whose pid another process may have taken since, never
// blocks a start (it did, while the pid decided).
func claimPID(prefix string) (release func(), err error) {
	path, lockPath := filepath.Join(prefix, PIDFile), filepath.Join(prefix, LockFile)
	lock, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file %s (running as %s): %w", lockPath, whoami(), err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = lock.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("cannot lock %s: %w", lockPath, err)
		}
		holder := "another process"
		if data, err := os.ReadFile(path); err == nil {
			holder = "pid " + strings.TrimSpace(string(data))
		}
		return nil, fmt.Errorf("another Gantry (%s, see %s) is running with prefix %s: stop it, or start this one with another -p DIR", holder, path, prefix)
	}
	if err := writeFileAtomic(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("cannot write pid file: %w", err)
	}
	return func() {
		_ = os.Remove(path)
		_ = lock.Close() // drops the lock; the file stays, for the next node to lock
	}, nil
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
