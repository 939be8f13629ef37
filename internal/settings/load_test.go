package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// load runs Load with a conf file holding conf (none when empty), the given
// environment and flags, in a temp dir so nothing of the machine leaks in.
func load(t *testing.T, conf string, env []string, flags ...Flag) (*Settings, error, string) {
	t.Helper()
	dir := t.TempDir()
	opts := Options{DefaultConfFile: filepath.Join(dir, "absent.conf"), Environ: env, Flags: flags}
	path := filepath.Join(dir, "gantry.conf")
	if conf != "" {
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		opts.ConfFile = path
	}
	c, err := Load(opts)
	return c, err, path
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err, _ := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	checks := []struct {
		name      string
		got, want any
	}{
		{"role", c.Role, RoleTraditional},
		{"database", c.Database, DatabaseSQLite},
		{"prefix", c.Prefix, filepath.Join(wd, "gantry-data")},
		{"sqlite_path", c.SQLitePath, filepath.Join(wd, "gantry-data", "gantry.db")},
		{"proxy_listen", len(c.ProxyListen), 2},
		{"proxy_listen ssl", c.ProxyListen[1].SSL, true},
		{"proxy_listen http2 on the TLS listener, as Kong's", c.ProxyListen[1].HTTP2, true},
		{"proxy_listen plain listener without http2", c.ProxyListen[0].HTTP2, false},
		{"admin_listen", c.AdminListen[0].Address, "127.0.0.1:8001"},
		{"status_listen", c.StatusListen[0].Address, "127.0.0.1:8007"},
		{"cluster_listen off on traditional", len(c.ClusterListen), 0},
		{"pg_port", c.Postgres.Port, 5432},
		{"pg_timeout", c.Postgres.Timeout, 5 * time.Second},
		{"cluster_max_payload", c.Cluster.MaxPayload, 16777216},
		{"purge delay", c.Cluster.PurgeDelay, 1209600 * time.Second},
		{"log_level", c.LogLevelName, "notice"},
		{"drain_timeout", c.DrainTimeout, 10 * time.Second},
		{"proxy_max_body_size unlimited", c.Proxy.MaxBodySize, 0},
		{"proxy_body_buffer_size", c.Proxy.BodyBufferSize, 1048576},
		{"plugins", strings.Join(c.Plugins, ","), "bundled"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("default %s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	conf := "log_level = info # from the file\npg_host = db.internal\npg_user = file-user\n"
	env := []string{"GANTRY_PG_HOST=env-host", "GANTRY_PG_USER=env-user", "PATH=/bin", "GANTRY_NOT_A_SETTING=x"}
	c, err, path := load(t, conf, env, Flag{Key: "pg_user", Value: "flag-user", Name: "--set"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, got, want string
		source          Source
	}{
		{"file beats default", c.LogLevelName, "info", Source{Kind: SourceFile, Name: path, Line: 1}},
		{"env beats file", c.Postgres.Host, "env-host", Source{Kind: SourceEnv, Name: "GANTRY_PG_HOST"}},
		{"flag beats env", c.Postgres.User, "flag-user", Source{Kind: SourceFlag, Name: "--set"}},
		{"default stays", c.Postgres.Database, "gantry", Source{Kind: SourceDefault}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("value = %q, want %q", tt.got, tt.want)
			}
		})
	}
	if got := c.SourceOf("pg_user"); got != (Source{Kind: SourceFlag, Name: "--set"}) {
		t.Errorf("SourceOf(pg_user) = %v", got)
	}
}

func TestPrefixSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name  string
		env   []string
		flags []Flag
		want  string
	}{
		{name: "GANTRY_PREFIX", env: []string{"GANTRY_PREFIX=" + dir + "/env"}, want: dir + "/env"},
		{name: "-p beats GANTRY_PREFIX", env: []string{"GANTRY_PREFIX=" + dir + "/env"}, flags: []Flag{{Key: "prefix", Value: dir + "/flag", Name: "-p"}}, want: dir + "/flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err, _ := load(t, "", tt.env, tt.flags...)
			if err != nil {
				t.Fatal(err)
			}
			if c.Prefix != tt.want || c.SQLitePath != tt.want+"/gantry.db" {
				t.Fatalf("prefix %q sqlite_path %q, want %q and the database inside it", c.Prefix, c.SQLitePath, tt.want)
			}
		})
	}
}

func TestConfFileSyntax(t *testing.T) {
	t.Parallel()
	c, err, _ := load(t, "# comment only\n\n  pg_password = se\\#cret # trailing\nPG_PORT=6543\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Postgres.Password != "se#cret" || c.Postgres.Port != 6543 {
		t.Fatalf("password %q port %d; want se#cret and 6543", c.Postgres.Password, c.Postgres.Port)
	}
}

func TestInvalidSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		conf  string
		env   []string
		flags []Flag
		want  []string // substrings of the one error line
	}{
		{name: "bad role in file", conf: "role = edge\n", want: []string{`role = "edge"`, "gantry.conf line 1", "traditional, control_plane, data_plane"}},
		{name: "bad listen in env", env: []string{"GANTRY_PROXY_LISTEN=0.0.0.0:x"}, want: []string{"proxy_listen", "environment variable GANTRY_PROXY_LISTEN", "0 to 65535"}},
		{name: "bad flag value", flags: []Flag{{Key: "log_level", Value: "loud", Name: "--set"}}, want: []string{`log_level = "loud"`, "flag --set", "debug, info, notice"}},
		{name: "unknown key in file", conf: "\nproxy_listn = 1\n", want: []string{"line 2", `unknown setting "proxy_listn" (did you mean "proxy_listen"?`}},
		{name: "a typo in a flag", flags: []Flag{{Key: "log_levle", Value: "debug", Name: "--set log_levle"}}, want: []string{"flag --set log_levle", `did you mean "log_level"?`}},
		{name: "an unknown key far from any", conf: "frobnicate = 1\n", want: []string{`unknown setting "frobnicate" (see docs/configuration.md`}},
		{name: "line without equals", conf: "role traditional\n", want: []string{"line 1", "not a key = value line"}},
		{name: "control plane refuses off", env: []string{"GANTRY_ROLE=control_plane", "GANTRY_DATABASE=off", "GANTRY_CLUSTER_CERT=c", "GANTRY_CLUSTER_CERT_KEY=k"}, want: []string{`database = "off"`, "GANTRY_DATABASE", "use sqlite or postgres"}},
		{name: "data plane requires off", conf: "role = data_plane\ncluster_cert = c\ncluster_cert_key = k\n", want: []string{`database = "sqlite"`, "(from default)", "set database = off"}},
		{name: "hybrid needs cert", conf: "role = data_plane\ndatabase = off\ncluster_cert_key = k\n", want: []string{"cluster_cert", "gen_cert"}},
		{name: "pki needs ca", conf: "role = control_plane\ncluster_mtls = pki\ncluster_cert = c\ncluster_cert_key = k\n", want: []string{"cluster_ca_cert", "cluster_mtls = pki"}},
		{name: "purge delay minimum", conf: "cluster_data_plane_purge_delay = 59\n", want: []string{"from 60"}},
		{name: "labels only on dp", conf: "cluster_dp_labels = a:b\n", want: []string{"cluster_dp_labels", "only a data plane"}},
		{name: "peers only on dp", conf: "cluster_peers = dp1:8006\n", want: []string{"cluster_peers", "only a data plane"}},
		{name: "peer listener only on dp", conf: "cluster_peer_listen = 0.0.0.0:8006\n", want: []string{"cluster_peer_listen", "only a data plane"}},
		{name: "peer listener takes no options", conf: "cluster_peer_listen = 0.0.0.0:8006 ssl\n", want: []string{"cluster_peer_listen", "host:port only", "mutual TLS"}},
		{name: "bad peer address", env: []string{"GANTRY_CLUSTER_PEERS=dp1:8006, dp2"}, want: []string{"cluster_peers", "GANTRY_CLUSTER_PEERS", `"dp2" is not host:port`}},
		{name: "cert without key", conf: "ssl_cert = /x.crt\n", want: []string{"ssl_cert_key", "together"}},
		{name: "bad boolean", conf: "pg_ssl = maybe\n", want: []string{"pg_ssl", "on or off"}},
		{name: "body buffer too small", conf: "proxy_body_buffer_size = 100\n", want: []string{"proxy_body_buffer_size", "4096"}},
		{name: "negative body size", env: []string{"GANTRY_PROXY_MAX_BODY_SIZE=-1"}, want: []string{"proxy_max_body_size", "GANTRY_PROXY_MAX_BODY_SIZE"}},
		{name: "config size above the cache's 32-bit lengths", conf: "cluster_max_config_size = 4294967296\n", want: []string{"cluster_max_config_size", "16777216 to 4294967295"}},
		{name: "bad trusted ip", conf: "trusted_ips = 10.0.0.0/8, nope\n", want: []string{"trusted_ips", `"nope"`, "CIDR"}},
		{name: "an origin with a path", conf: "admin_allowed_origins = https://ui.example.com/admin\n", want: []string{"admin_allowed_origins", "is not an origin", "scheme://host[:port]"}},
		{name: "an origin without a scheme", env: []string{"GANTRY_ADMIN_ALLOWED_ORIGINS=ui.example.com"}, want: []string{"admin_allowed_origins", "GANTRY_ADMIN_ALLOWED_ORIGINS", "is not an origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err, _ := load(t, tt.conf, tt.env, tt.flags...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			line := err.Error()
			if strings.Count(line, "\n") != 0 {
				t.Errorf("error spans several lines, want one:\n%s", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not contain %q", line, w)
				}
			}
		})
	}
}

func TestEveryProblemReported(t *testing.T) {
	t.Parallel()
	_, err, _ := load(t, "role = x\npg_port = -1\n", nil)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("error = %v, want 2 problems", err)
	}
	var se *SettingError
	if !errors.As(err, &se) || se.Key != "role" {
		t.Fatalf("errors.As SettingError = %v", se)
	}
}

func TestMissingConfFileFlag(t *testing.T) {
	t.Parallel()
	_, err := Load(Options{ConfFile: filepath.Join(t.TempDir(), "nope.conf")})
	if err == nil || !strings.Contains(err.Error(), "nope.conf") {
		t.Fatalf("error = %v, want one naming the missing file", err)
	}
}

func TestRoleListeners(t *testing.T) {
	t.Parallel()
	cp, err, _ := load(t, "role = control_plane\ncluster_cert = c\ncluster_cert_key = k\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cp.ProxyListen != nil || len(cp.ClusterListen) != 1 {
		t.Errorf("control plane: proxy %v cluster %v; want no proxy listener and one cluster listener", cp.ProxyListen, cp.ClusterListen)
	}
	dp, err, _ := load(t, "role = data_plane\ndatabase = off\ncluster_cert = c\ncluster_cert_key = k\ncluster_control_plane = cp1:8005, cp2:8005\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if dp.AdminListen != nil || len(dp.Cluster.ControlPlanes) != 2 || dp.ClusterPeerListen != nil || dp.Cluster.Peers != nil {
		t.Errorf("data plane: admin %v control planes %v peer listener %v peers %v", dp.AdminListen, dp.Cluster.ControlPlanes, dp.ClusterPeerListen, dp.Cluster.Peers)
	}
	dp, err, _ = load(t, "role = data_plane\ndatabase = off\ncluster_cert = c\ncluster_cert_key = k\ncluster_peer_listen = 127.0.0.1:8006\ncluster_peers = dp1:8006, dp2:8006\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dp.ClusterPeerListen) != 1 || dp.ClusterPeerListen[0].Address != "127.0.0.1:8006" || len(dp.Cluster.Peers) != 2 {
		t.Errorf("data plane: peer listener %v peers %v", dp.ClusterPeerListen, dp.Cluster.Peers)
	}
}

func TestTrustedIPs(t *testing.T) {
	t.Parallel()
	c, err, _ := load(t, "trusted_ips = 10.1.2.3/8, 192.0.2.7, ::1\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(c.Proxy.TrustedIPs)
	if got != "[10.0.0.0/8 192.0.2.7/32 ::1/128]" {
		t.Fatalf("trusted_ips = %s", got)
	}
}

func TestRedacted(t *testing.T) {
	t.Parallel()
	c, err, _ := load(t, "pg_password = hunter2\n", []string{"GANTRY_STATUS_LISTEN=off"})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	if r["pg_password"] != Redacted {
		t.Errorf("pg_password = %v, want redacted", r["pg_password"])
	}
	if r["pg_port"] != 5432 || r["pg_ssl"] != false {
		t.Errorf("typed values: pg_port %v pg_ssl %v", r["pg_port"], r["pg_ssl"])
	}
	if l, _ := r["proxy_listen"].([]string); len(l) != 2 {
		t.Errorf("proxy_listen = %v, want a list of 2", r["proxy_listen"])
	}
	if r["cluster_cert_key"] != nil {
		t.Errorf("unset secret = %v, want nil", r["cluster_cert_key"])
	}
	for k, v := range r {
		if s, ok := v.(string); ok && strings.Contains(s, "hunter2") {
			t.Errorf("%s leaks the password", k)
		}
	}
}

// TestAdminOnLoopbackOnly: the Admin API counts as loopback only when
// every admin_listen address is a loopback one.
func TestAdminOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]bool{
		"127.0.0.1:8001":                 true,
		"[::1]:8001, 127.0.0.2:8444 ssl": true,
		"localhost:8001":                 true,
		"0.0.0.0:8001":                   false,
		"127.0.0.1:8001, 10.0.0.5:8001":  false,
		"off":                            false,
	} {
		c, err, _ := load(t, "admin_listen = "+listen+"\nadmin_allowed_origins = https://ui.example.com, http://10.0.0.5:8080\n", nil)
		if err != nil {
			t.Fatalf("%s: %v", listen, err)
		}
		if got := c.AdminOnLoopbackOnly(); got != want {
			t.Errorf("admin_listen = %s: loopback only %v, want %v", listen, got, want)
		}
		if len(c.AdminAllowedOrigins) != 2 {
			t.Errorf("admin_allowed_origins = %v", c.AdminAllowedOrigins)
		}
	}
}

// TestUnknownEnvironmentVariablesWarn: a GANTRY_* variable that names no
// setting is not an error (it may be another tool's) but a warning, with
// the setting it may have meant.
func TestUnknownEnvironmentVariablesWarn(t *testing.T) {
	t.Parallel()
	c, err, _ := load(t, "", []string{"GANTRY_ADMIN_LISTN=127.0.0.1:9", "GANTRY_LOG_LEVEL=debug", "GANTRY_TEST_CLUSTER_DP_VERSION=9.9.9", "OTHER=1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "GANTRY_ADMIN_LISTN sets nothing") || !strings.Contains(c.Warnings[0], `did you mean "admin_listen"?`) {
		t.Fatalf("warnings = %q", c.Warnings)
	}
}
