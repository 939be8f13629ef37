// Package settings holds a node's settings: the static part of Gantry's
// configuration (listeners, role, storage, cluster identity), as opposed to the
// dynamic entities that flow through snapshots.
//
// Settings come from four layers, lowest to highest precedence: built-in
// defaults, gantry.conf, GANTRY_<KEY> environment variables, then command-line
// flags. Load merges them, remembers where each value came from, and validates
// everything at once so a user sees every mistake, each on one line naming the
// key, the value, what is allowed and the file or variable it came from.
package settings

import (
	"log/slog"
	"net/netip"
	"time"
)

// Role is what a node does (docs/design.md, "Roles").
type Role string

// The three roles.
const (
	RoleTraditional  Role = "traditional"
	RoleControlPlane Role = "control_plane"
	RoleDataPlane    Role = "data_plane"
)

// Database names the storage of a node; DatabaseOff means DB-less.
const (
	DatabaseSQLite   = "sqlite"
	DatabasePostgres = "postgres"
	DatabaseOff      = "off"
)

// Settings is a node's validated settings. Build it with Load (or Default for
// tests); its fields are read-only after that.
type Settings struct {
	Role     Role
	Database string
	// Prefix is the node's working directory, always absolute.
	Prefix     string
	SQLitePath string
	Postgres   Postgres
	// DeclarativeConfig is the file loaded at start when Database is off; "" when unset.
	DeclarativeConfig string

	// Listener sets; nil means off. A control plane never proxies, so its
	// ProxyListen is nil; a data plane has no Admin API, so its AdminListen is nil.
	ProxyListen   []Listen
	AdminListen   []Listen
	StatusListen  []Listen
	ClusterListen []Listen
	// ClusterPeerListen is cluster_peer_listen: a data plane serves its
	// signed config cache to its peers there.
	ClusterPeerListen []Listen

	// TLS material, each a path or inline PEM; "" when unset.
	SSLCert, SSLCertKey             string
	AdminSSLCert, AdminSSLCertKey   string
	StatusSSLCert, StatusSSLCertKey string

	// AdminSSLClientCA is admin_ssl_client_ca (a path or inline PEM): when
	// set, clients of an ssl admin_listen must present a certificate it signed.
	AdminSSLClientCA string
	// AdminAllowedOrigins is admin_allowed_origins: the browser origins
	// (scheme://host[:port]) besides the Admin API's own whose writes it
	// accepts; AdminAllowedHosts is admin_allowed_hosts: the Host values
	// besides loopback names and addresses an Admin API listening on
	// loopback only answers (docs/configuration.md).
	AdminAllowedOrigins []string
	AdminAllowedHosts   []string

	// Warnings are what Load noticed without refusing it: GANTRY_*
	// environment variables that name no setting (a typo leaves the
	// setting at its default). A node logs them at start.
	Warnings []string

	Cluster Cluster
	Proxy   ProxyLimits

	// Plugins lists the plugin names this node loads, "bundled" expanded by
	// the caller who knows the bundle; empty means none ("off").
	Plugins []string
	// LogLevel is the slog level of log_level; LogLevelName the setting as written.
	LogLevel     slog.Level
	LogLevelName string
	// DrainTimeout bounds how long a stopping node waits for in-flight requests.
	DrainTimeout time.Duration

	// values holds the effective raw value of every setting, sources where each came from.
	values  map[string]string
	sources map[string]Source
}

// Postgres holds the pg_* settings.
type Postgres struct {
	Host      string
	Port      int
	User      string
	Password  string
	Database  string
	SSL       bool
	SSLVerify bool
	// Timeout is pg_timeout: the longest a connection attempt, or one read
	// or write on a connection, may take.
	Timeout time.Duration
}

// Cluster holds the cluster_* settings of hybrid mode.
type Cluster struct {
	// ControlPlanes is cluster_control_plane: host:port addresses tried in turn.
	ControlPlanes []string
	MTLS          string // "shared" or "pki"
	Cert          string
	CertKey       string
	CACert        string
	ServerName    string
	OCSP          string // "on", "off", "optional"
	MaxPayload    int
	// MaxConfigSize is cluster_max_config_size: the largest configuration,
	// decompressed (and a chunked push's whole payload), either end accepts.
	MaxConfigSize int
	PurgeDelay    time.Duration
	// Peers is cluster_peers: data planes asked for their config cache
	// when a data plane starts without one; nil when unset.
	Peers []string
	// DPLabels is cluster_dp_labels; nil when unset.
	DPLabels map[string]string
}

// ProxyLimits protects the proxy listeners from slow or abusive clients
// (docs/design.md, "Protection from slow or abusive clients").
// Zero MaxConnections means unlimited.
type ProxyLimits struct {
	MaxHeaderBytes int
	MaxHeaders     int
	HeaderTimeout  time.Duration
	BodyTimeout    time.Duration
	IdleTimeout    time.Duration
	MaxConnections int
	// MaxBodySize caps a request body in bytes (413 above); 0 is unlimited,
	// as Kong's default client_max_body_size 0.
	MaxBodySize int
	// BodyBufferSize is how much of a buffered request body (routes with
	// request_buffering) stays in memory before spilling to a temporary file.
	BodyBufferSize int
	// TrustedIPs are the networks whose X-Forwarded-* headers and PROXY
	// protocol client addresses are believed (Kong's trusted_ips).
	TrustedIPs []netip.Prefix
}

// Value returns the effective raw value of a setting ("" when unset) and
// whether key is a known setting.
func (c *Settings) Value(key string) (string, bool) {
	v, ok := c.values[key]
	return v, ok
}

// SourceOf says where the value of key came from.
func (c *Settings) SourceOf(key string) Source {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return Source{Kind: SourceDefault}
}
