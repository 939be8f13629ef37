// Package postgres is the store for several nodes sharing one PostgreSQL
// database (control planes, or traditional nodes behind a load balancer).
// Writes notify every node through LISTEN/NOTIFY on the "gantry_changes"
// channel; each Store keeps one dedicated listening connection and
// reconnects it when the database goes away.
//
// Unlike SQLite, Open never creates the schema: `gantry migrations
// bootstrap` does, once, for the whole cluster (see Migrations).
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed reset.sql
var resetSQL string

var dialect = sqlstore.Dialect{
	// Any constant works; it only has to be the same on every node.
	Lock:     "SELECT pg_advisory_xact_lock(7216540331)",
	HasTable: "SELECT 1 WHERE to_regclass($1) IS NOT NULL",
	Reset:    resetSQL,
}

// Config says where the database is: the pg_* settings.
type Config struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
	// SSL turns TLS on (pg_ssl); SSLVerify also checks the server's
	// certificate against the system roots (pg_ssl_verify).
	SSL       bool
	SSLVerify bool
	// MaxConns caps the pool; 0 means pgx's default.
	MaxConns int32
	// Timeout is pg_timeout: connecting, and every read or write on a
	// connection, fail past it (0: no limit). See timeoutConn.
	Timeout time.Duration
}

// connString renders c as a postgres:// URL, which escapes every value.
func (c Config) connString() string {
	u := url.URL{Scheme: "postgres", Host: c.Host + ":" + strconv.Itoa(c.Port), Path: "/" + c.Database}
	if c.Password != "" {
		u.User = url.UserPassword(c.User, c.Password)
	} else {
		u.User = url.User(c.User)
	}
	q := url.Values{"connect_timeout": {"10"}, "sslmode": {"disable"}}
	switch {
	case c.SSL && c.SSLVerify:
		q.Set("sslmode", "verify-full")
	case c.SSL:
		q.Set("sslmode", "require")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to the database described by cfg. It refuses a database
// whose schema is missing or outdated with an error saying which `gantry
// migrations` command to run; an unreachable database gives an error
// wrapping store.ErrUnavailable.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (store.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "store.postgres")
	d, err := newDriver(cfg, log)
	if err != nil {
		return nil, err
	}
	m, err := newMigrator(d)
	if err == nil {
		err = m.Check(ctx)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("postgres %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	s := sqlstore.New(d, log)
	s.Start(ctx)
	d.listen(s.Publish)
	return s, nil
}

// Migrations returns the migration runner for the database of cfg, for
// `gantry migrations bootstrap|up|list|reset`. Close it when done.
func Migrations(cfg Config) (*sqlstore.Migrator, error) {
	d, err := newDriver(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	m, err := newMigrator(d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return m, nil
}

func newMigrator(d *driver) (*sqlstore.Migrator, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return sqlstore.NewMigrator(d, dialect, sub)
}

func newDriver(cfg Config, log *slog.Logger) (*driver, error) {
	pc, err := pgxpool.ParseConfig(cfg.connString())
	if err != nil {
		return nil, fmt.Errorf("postgres settings (pg_host, pg_port, pg_user, pg_database): %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	// The LISTEN connection waits for notifications as long as there are
	// none: keepalives only, no timeout per read.
	listenCfg := pc.ConnConfig.Copy()
	listenCfg.DialFunc = dialer(0).DialContext
	if cfg.Timeout > 0 {
		pc.ConnConfig.ConnectTimeout = cfg.Timeout
		listenCfg.ConnectTimeout = cfg.Timeout
	}
	pc.ConnConfig.DialFunc = dialer(cfg.Timeout).DialContext
	pc.HealthCheckPeriod = 15 * time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), pc) // connects lazily
	if err != nil {
		return nil, err
	}
	return &driver{pool: pool, connCfg: listenCfg, log: log}, nil
}
