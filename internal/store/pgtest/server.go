package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Start initializes a new cluster in a temporary directory and starts it.
// Close it when done.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gantry-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: "postgres", bin: bin, dir: dir, cred: cred}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			s.Close()
			return nil, fmt.Errorf("pgtest: give %s to the postgres user: %w", dir, err)
		}
	}
	initdb := s.command(ctx, "initdb", "-D", filepath.Join(dir, "data"), "-U", s.User, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		s.Close()
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if s.Port, err = freePort(); err != nil {
			s.Close()
			return nil, err
		}
		err = s.Restart(ctx)
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.admin, err = pgxpool.New(ctx, s.ConnString("postgres"))
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ConnString is a libpq key/value connection string for database db.
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", s.Host, s.Port, s.User, db)
}

// Restart starts the server after Stop (Start calls it the first time) and
// waits until it accepts connections.
func (s *Server) Restart(ctx context.Context) error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	defer logf.Close()
	// Not CommandContext: the server outlives ctx, Stop ends it.
	cmd := s.command(context.Background(), "postgres", "-D", filepath.Join(s.dir, "data"),
		"-h", s.Host, "-p", strconv.Itoa(s.Port), "-k", s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=16MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies, the server goes too (immediate shutdown).
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", s.logTail())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), time.Second); err == nil {
			c.Close()
			if s.ping(ctx) == nil {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return fmt.Errorf("pgtest: postgres not ready after 30s:\n%s", s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) ping(ctx context.Context) error {
	p, err := pgxpool.New(ctx, s.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Ping(ctx)
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// Stop shuts the server down (fast shutdown: clients are disconnected) and
// waits for it; the data stays for Restart.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
		return nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		return errors.New("pgtest: postgres ignored SIGINT for 30s, killed")
	}
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	if s.admin != nil {
		s.admin.Close()
	}
	err := s.Stop()
	return errors.Join(err, os.RemoveAll(s.dir))
}
