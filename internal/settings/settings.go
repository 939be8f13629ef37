package settings

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// valueKind tells Redacted how to render a raw value.
type valueKind int

const (
	kindString valueKind = iota
	kindInt
	kindBool
	kindList
)

// setting describes one key: its default, whether it is secret, and how its
// raw value lands in a Settings. apply returns what is allowed when the value
// is not.
type setting struct {
	key    string
	def    string
	secret bool
	kind   valueKind
	apply  func(c *Settings, v string) error
}

// settings is every key Gantry knows; docs/configuration.md documents each.
// A function, not a variable, so there is no package-level mutable state.
func settings() []setting {
	return []setting{
		{key: "prefix", def: "./gantry-data", apply: func(c *Settings, v string) error { c.Prefix = v; return nil }},
		{key: "role", def: "traditional", apply: oneOf(func(c *Settings, v string) { c.Role = Role(v) }, "traditional", "control_plane", "data_plane")},
		{key: "database", def: "sqlite", apply: oneOf(func(c *Settings, v string) { c.Database = v }, "sqlite", "postgres", "off")},
		{key: "sqlite_path", apply: func(c *Settings, v string) error { c.SQLitePath = v; return nil }},
		{key: "pg_host", def: "127.0.0.1", apply: str(func(c *Settings) *string { return &c.Postgres.Host })},
		{key: "pg_port", def: "5432", kind: kindInt, apply: intIn(1, 65535, func(c *Settings, n int) { c.Postgres.Port = n })},
		{key: "pg_user", def: "gantry", apply: str(func(c *Settings) *string { return &c.Postgres.User })},
		{key: "pg_password", secret: true, apply: str(func(c *Settings) *string { return &c.Postgres.Password })},
		{key: "pg_database", def: "gantry", apply: str(func(c *Settings) *string { return &c.Postgres.Database })},
		{key: "pg_ssl", def: "off", kind: kindBool, apply: boolean(func(c *Settings) *bool { return &c.Postgres.SSL })},
		{key: "pg_ssl_verify", def: "off", kind: kindBool, apply: boolean(func(c *Settings) *bool { return &c.Postgres.SSLVerify })},
		{key: "pg_timeout", def: "5000", kind: kindInt, apply: intIn(100, 1<<30, func(c *Settings, n int) { c.Postgres.Timeout = time.Duration(n) * time.Millisecond })},
		{key: "declarative_config", apply: str(func(c *Settings) *string { return &c.DeclarativeConfig })},
		{key: "proxy_listen", def: "0.0.0.0:8000, 0.0.0.0:8443 ssl http2", kind: kindList, apply: listen(func(c *Settings) *[]Listen { return &c.ProxyListen })},
		{key: "admin_listen", def: "127.0.0.1:8001", kind: kindList, apply: listen(func(c *Settings) *[]Listen { return &c.AdminListen })},
		{key: "status_listen", def: "127.0.0.1:8007", kind: kindList, apply: listen(func(c *Settings) *[]Listen { return &c.StatusListen })},
		{key: "cluster_listen", def: "0.0.0.0:8005", kind: kindList, apply: listen(func(c *Settings) *[]Listen { return &c.ClusterListen })},
		{key: "cluster_peer_listen", def: "off", kind: kindList, apply: peerListen},
		{key: "ssl_cert", apply: str(func(c *Settings) *string { return &c.SSLCert })},
		{key: "ssl_cert_key", secret: true, apply: str(func(c *Settings) *string { return &c.SSLCertKey })},
		{key: "admin_ssl_cert", apply: str(func(c *Settings) *string { return &c.AdminSSLCert })},
		{key: "admin_ssl_cert_key", secret: true, apply: str(func(c *Settings) *string { return &c.AdminSSLCertKey })},
		{key: "admin_ssl_client_ca", apply: str(func(c *Settings) *string { return &c.AdminSSLClientCA })},
		{key: "admin_allowed_origins", kind: kindList, apply: func(c *Settings, v string) error {
			c.AdminAllowedOrigins = splitList(v)
			for _, o := range c.AdminAllowedOrigins {
				if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
					return fmt.Errorf("%q is not an origin: write scheme://host[:port], as a browser sends it (https://admin.example.com)", o)
				}
			}
			return nil
		}},
		{key: "admin_allowed_hosts", kind: kindList, apply: func(c *Settings, v string) error {
			c.AdminAllowedHosts = splitList(v)
			return nil
		}},
		{key: "status_ssl_cert", apply: str(func(c *Settings) *string { return &c.StatusSSLCert })},
		{key: "status_ssl_cert_key", secret: true, apply: str(func(c *Settings) *string { return &c.StatusSSLCertKey })},
		{key: "cluster_control_plane", def: "127.0.0.1:8005", kind: kindList, apply: func(c *Settings, v string) (err error) {
			c.Cluster.ControlPlanes, err = parseHostPorts(v)
			return err
		}},
		{key: "cluster_mtls", def: "shared", apply: oneOf(func(c *Settings, v string) { c.Cluster.MTLS = v }, "shared", "pki")},
		{key: "cluster_cert", apply: str(func(c *Settings) *string { return &c.Cluster.Cert })},
		{key: "cluster_cert_key", secret: true, apply: str(func(c *Settings) *string { return &c.Cluster.CertKey })},
		{key: "cluster_ca_cert", apply: str(func(c *Settings) *string { return &c.Cluster.CACert })},
		{key: "cluster_server_name", apply: str(func(c *Settings) *string { return &c.Cluster.ServerName })},
		{key: "cluster_ocsp", def: "off", apply: oneOf(func(c *Settings, v string) { c.Cluster.OCSP = v }, "on", "off", "optional")},
		{key: "cluster_max_payload", def: "16777216", kind: kindInt, apply: intIn(4194304, 1<<30, func(c *Settings, n int) { c.Cluster.MaxPayload = n })},
		{key: "cluster_max_config_size", def: "1073741824", kind: kindInt, apply: intIn(16777216, math.MaxUint32, func(c *Settings, n int) { c.Cluster.MaxConfigSize = n })},
		{key: "cluster_data_plane_purge_delay", def: "1209600", kind: kindInt, apply: intIn(60, 1<<40, func(c *Settings, n int) {
			c.Cluster.PurgeDelay = time.Duration(n) * time.Second
		})},
		{key: "cluster_peers", kind: kindList, apply: func(c *Settings, v string) (err error) {
			c.Cluster.Peers = nil
			if strings.TrimSpace(v) != "" {
				c.Cluster.Peers, err = parseHostPorts(v)
			}
			return err
		}},
		{key: "cluster_dp_labels", kind: kindList, apply: func(c *Settings, v string) (err error) {
			c.Cluster.DPLabels, err = parseLabels(v)
			return err
		}},
		{key: "plugins", def: "bundled", kind: kindList, apply: func(c *Settings, v string) error {
			c.Plugins = nil
			if v != "off" {
				c.Plugins = splitList(v)
			}
			return nil
		}},
		{key: "log_level", def: "notice", apply: func(c *Settings, v string) error {
			lvl, ok := levels()[v]
			if !ok {
				return fmt.Errorf("must be one of debug, info, notice, warn, error, crit, alert, emerg")
			}
			c.LogLevel, c.LogLevelName = lvl, v
			return nil
		}},
		{key: "drain_timeout", def: "10", kind: kindInt, apply: seconds(0, func(c *Settings) *time.Duration { return &c.DrainTimeout })},
		{key: "proxy_max_header_size", def: "32768", kind: kindInt, apply: intIn(1024, 1<<24, func(c *Settings, n int) { c.Proxy.MaxHeaderBytes = n })},
		{key: "proxy_max_headers", def: "100", kind: kindInt, apply: intIn(1, 10000, func(c *Settings, n int) { c.Proxy.MaxHeaders = n })},
		{key: "proxy_header_timeout", def: "60", kind: kindInt, apply: seconds(1, func(c *Settings) *time.Duration { return &c.Proxy.HeaderTimeout })},
		{key: "proxy_body_timeout", def: "60", kind: kindInt, apply: seconds(1, func(c *Settings) *time.Duration { return &c.Proxy.BodyTimeout })},
		{key: "proxy_idle_timeout", def: "60", kind: kindInt, apply: seconds(1, func(c *Settings) *time.Duration { return &c.Proxy.IdleTimeout })},
		{key: "proxy_max_body_size", def: "0", kind: kindInt, apply: intIn(0, 1<<40, func(c *Settings, n int) { c.Proxy.MaxBodySize = n })},
		{key: "proxy_body_buffer_size", def: "1048576", kind: kindInt, apply: intIn(4096, 1<<30, func(c *Settings, n int) { c.Proxy.BodyBufferSize = n })},
		{key: "proxy_max_connections", def: "16384", kind: kindInt, apply: intIn(0, 1<<24, func(c *Settings, n int) { c.Proxy.MaxConnections = n })},
		{key: "trusted_ips", kind: kindList, apply: func(c *Settings, v string) (err error) {
			c.Proxy.TrustedIPs, err = parsePrefixes(v)
			return err
		}},
	}
}

// LevelNotice is log_level "notice", between info and warn: the default,
// at which a node logs its start, bound addresses, reloads and stop.
const LevelNotice = slog.LevelInfo + 2

// levels maps log_level (nginx's names, which Kong uses) to slog levels.
// notice sits between info and warn; crit, alert and emerg above error.
func levels() map[string]slog.Level {
	return map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "notice": LevelNotice,
		"warn": slog.LevelWarn, "error": slog.LevelError, "crit": slog.LevelError + 4,
		"alert": slog.LevelError + 6, "emerg": slog.LevelError + 8,
	}
}

func str(field func(*Settings) *string) func(*Settings, string) error {
	return func(c *Settings, v string) error { *field(c) = v; return nil }
}

func oneOf(set func(*Settings, string), allowed ...string) func(*Settings, string) error {
	return func(c *Settings, v string) error {
		for _, a := range allowed {
			if v == a {
				set(c, v)
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

func intIn(lo, hi int, set func(*Settings, int)) func(*Settings, string) error {
	return func(c *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		set(c, n)
		return nil
	}
}

func seconds(lo int, field func(*Settings) *time.Duration) func(*Settings, string) error {
	return intIn(lo, 1<<30, func(c *Settings, n int) { *field(c) = time.Duration(n) * time.Second })
}

func boolean(field func(*Settings) *bool) func(*Settings, string) error {
	return func(c *Settings, v string) error {
		switch v {
		case "on", "true":
			*field(c) = true
		case "off", "false":
			*field(c) = false
		default:
			return fmt.Errorf("must be on or off")
		}
		return nil
	}
}

func listen(field func(*Settings) *[]Listen) func(*Settings, string) error {
	return func(c *Settings, v string) (err error) {
		*field(c), err = ParseListen(v)
		return err
	}
}

// peerListen parses cluster_peer_listen: a listen list without options,
// since the peer listener is always mutual TLS with the cluster certificate.
func peerListen(c *Settings, v string) error {
	ls, err := ParseListen(v)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.SSL || l.HTTP2 || l.ReusePort || l.ProxyProtocol {
			return fmt.Errorf("%q: takes host:port only (the peer listener is always mutual TLS with cluster_cert)", l.String())
		}
	}
	c.ClusterPeerListen = ls
	return nil
}

// splitList splits a comma-separated value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LevelName returns the log_level name of lvl ("notice", "crit", ...), for
// log handlers that print Gantry's level names rather than slog's.
func LevelName(lvl slog.Level) (string, bool) {
	for name, l := range levels() {
		if l == lvl {
			return name, true
		}
	}
	return "", false
}

// parsePrefixes parses trusted_ips: addresses or CIDR blocks, comma-separated.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range splitList(v) {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR block (write 10.0.0.0/8, 192.0.2.7 or ::1)", item)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
