// Package pgtest runs a real PostgreSQL server for tests: initdb in a
// temporary directory, listening on 127.0.0.1 on a free port, its socket in
// that directory, stopped and removed at the end.
//
// PostgreSQL refuses to run as root, so when the tests run as root the
// server runs as the "postgres" OS user (the directory is chowned to it).
// A missing PostgreSQL installation fails the tests with the command that
// installs it; it never skips them.
//
// One server serves a whole test package (start it in TestMain with Main);
// each test takes its own database from NewDatabase, so tests run in
// parallel without seeing each other.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"
)

// InstallHint says how to get the server binaries.
const InstallHint = "install PostgreSQL: apt-get install -y postgresql"

// Server is one running (or stopped) PostgreSQL server.
type Server struct {
	Host string // always 127.0.0.1
	Port int
	User string // superuser, no password (trust authentication)

	bin    string              // directory holding initdb and postgres
	dir    string              // temp dir: data/, the socket, server.log
	cred   *syscall.Credential // nil unless running as root
	cmd    *exec.Cmd
	exited chan struct{}
	admin  *pgxpool.Pool
	dbs    atomic.Int64 // databases created so far, to name the next
}

// findBin returns the newest /usr/lib/postgresql/*/bin holding postgres, or
// the directory of postgres on PATH.
func findBin() (string, error) { return findBinIn("/usr/lib/postgresql/*/bin") }

func findBinIn(pattern string) (string, error) {
	dirs, _ := filepath.Glob(pattern)
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "postgres")) && isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil && isExec(filepath.Join(filepath.Dir(p), "initdb")) {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("pgtest: PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH; %s", InstallHint)
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// credential returns who runs the server: the "postgres" user when we are
// root (PostgreSQL refuses root), else nil for ourselves.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, PostgreSQL needs the unprivileged \"postgres\" user: %w; %s", err, InstallHint)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// command prepares a server binary run as the server's user.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}
