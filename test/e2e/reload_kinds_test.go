package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestSIGHUPAppliesEachKindOfChange reloads files that differ from the
// running one in a single kind of entity (a service's path, a route's
// strip_path, a certificate, a target): each change must reach traffic,
// however much of the previous snapshot a build reuses.
func TestSIGHUPAppliesEachKindOfChange(t *testing.T) {
	t.Parallel()
	up := newEchoUpstream(t)
	other := newUpstream(t, "other target", 0)
	first := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{"a.test"}})
	second := entitytest.SelfSigned(t, entitytest.CertOptions{Names: []string{"a.test"}})
	type state struct {
		servicePath string
		stripPath   bool
		cert        entitytest.Cert
		target      string
	}
	doc := func(s state) string {
		return fmt.Sprintf(`_format_version: "3.0"
services:
- name: echo
  url: %s%s
  routes: [{name: echo, paths: [/x], strip_path: %t}]
- name: balanced
  host: pool.upstream
  routes: [{name: balanced, paths: [/pool]}]
upstreams:
- name: pool.upstream
  targets: [{target: %q}]
`, up.URL, s.servicePath, s.stripPath, s.target) + certificatesYAML(map[string]entitytest.Cert{"a.test": s.cert})
	}
	cur := state{servicePath: "/one", stripPath: true, cert: first, target: up.Listener.Addr().String()}
	file := declFile(t, doc(cur))
	n := startDBLess(t, file, "GANTRY_PROXY_LISTEN=127.0.0.1:0, 127.0.0.1:0 ssl")

	upstreamPath := func() string {
		_, body := get(n.ProxyURL() + "/x/y")
		_, e := routedTo(t, body)
		return e.Path
	}
	servedCert := func() *x509.Certificate {
		conn, err := tls.Dial("tcp", n.Listeners.Proxy[1].Address, &tls.Config{ServerName: "a.test", InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("TLS handshake for a.test: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	certIs := func(c entitytest.Cert) bool {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(c.Cert))
		_, err := servedCert().Verify(x509.VerifyOptions{Roots: pool, DNSName: "a.test"})
		return err == nil
	}
	if p := upstreamPath(); p != "/one/y" || !certIs(first) {
		t.Fatalf("before any reload: upstream path %q, first certificate served %t", p, certIs(first))
	}

	steps := []struct {
		name   string
		change func(*state)
		check  func() bool
	}{
		{"service path", func(s *state) { s.servicePath = "/two" }, func() bool { return upstreamPath() == "/two/y" }},
		{"route strip_path", func(s *state) { s.stripPath = false }, func() bool { return upstreamPath() == "/two/x/y" }},
		{"certificate", func(s *state) { s.cert = second }, func() bool { return certIs(second) }},
		{"target", func(s *state) { s.target = other.Listener.Addr().String() }, func() bool {
			code, body := get(n.ProxyURL() + "/pool")
			return code == http.StatusOK && body == "other target"
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change(&cur)
			writeFile(t, file, doc(cur))
			n.Signal(syscall.SIGHUP)
			testutil.Eventually(t, "the "+st.name+" change to reach traffic", 10*time.Second, st.check)
		})
	}
}
