package entity

import (
	"strings"
	"testing"
	"time"
)

func ups(mod func(*Upstream)) *Upstream {
	u := NewUpstream()
	u.Name = "backend.internal"
	mod(u)
	return u
}

func TestUpstreamValidate(t *testing.T) {
	runCases(t, []vcase{
		{"defaults", ups(func(*Upstream) {}), ""},
		{"no name", ups(func(u *Upstream) { u.Name = "" }), "name: required field missing"},
		{"bad name", ups(func(u *Upstream) { u.Name = "a/b" }), "name: Invalid name ('a/b'); must be a valid hostname"},
		{"algorithm", ups(func(u *Upstream) { u.Algorithm = "random" }), "algorithm: expected one of"},
		{"hash_on enum", ups(func(u *Upstream) { u.HashOn = "body" }), "hash_on: expected one of: none, consumer"},
		{"hash_on header needs name", ups(func(u *Upstream) { u.HashOn = "header" }), "hash_on_header: required field missing"},
		{"hash_on header ok", ups(func(u *Upstream) { u.HashOn = "header"; u.HashOnHeader = "X-User" }), ""},
		{"hash_on cookie needs name", ups(func(u *Upstream) { u.HashOn = "cookie" }), "hash_on_cookie: required field missing"},
		{"hash_on query_arg", ups(func(u *Upstream) { u.HashOn = "query_arg" }), "hash_on_query_arg: required field missing"},
		{"hash_on uri_capture", ups(func(u *Upstream) { u.HashOn = "uri_capture" }), "hash_on_uri_capture: required field missing"},
		{"fallback header needs name", ups(func(u *Upstream) { u.HashOn = "ip"; u.HashFallback = "header" }), "hash_fallback_header: required field missing"},
		{"fallback with none", ups(func(u *Upstream) { u.HashFallback = "ip" }), "hash_fallback: expected one of: none"},
		{"fallback with cookie", ups(func(u *Upstream) { u.HashOn = "cookie"; u.HashOnCookie = "c"; u.HashFallback = "ip" }), "hash_fallback: expected one of: none"},
		{"fallback same", ups(func(u *Upstream) { u.HashOn = "ip"; u.HashFallback = "ip" }), "values of these fields must be distinct"},
		{"fallback other header", ups(func(u *Upstream) {
			u.HashOn, u.HashOnHeader, u.HashFallback, u.HashFallbackHeader = "header", "a", "header", "b"
		}), ""},
		{"slots low", ups(func(u *Upstream) { u.Slots = 9 }), "slots: value should be between 10 and 65536"},
		{"slots high", ups(func(u *Upstream) { u.Slots = 65537 }), "slots: value should be between 10 and 65536"},
		{"active timeout", ups(func(u *Upstream) { u.Healthchecks.Active.Timeout = -1 }), "healthchecks.active.timeout: value should be between 0 and 65535"},
		{"active type", ups(func(u *Upstream) { u.Healthchecks.Active.Type = "udp" }), "healthchecks.active.type: expected one of"},
		{"active path", ups(func(u *Upstream) { u.Healthchecks.Active.HTTPPath = "health" }), "healthchecks.active.http_path: should start with: /"},
		{"concurrency", ups(func(u *Upstream) { u.Healthchecks.Active.Concurrency = 0 }), "healthchecks.active.concurrency: value should be between 1"},
		{"status code", ups(func(u *Upstream) { u.Healthchecks.Passive.Unhealthy.HTTPStatuses = []int{500, 42} }), "healthchecks.passive.unhealthy.http_statuses[1]: value should be between 100 and 999"},
		{"successes", ups(func(u *Upstream) { u.Healthchecks.Active.Healthy.Successes = 256 }), "healthchecks.active.healthy.successes: value should be between 0 and 255"},
		{"threshold", ups(func(u *Upstream) { u.Healthchecks.Threshold = 101 }), "healthchecks.threshold: value should be between 0 and 100"},
	})
}

func target(s string, mod func(*Target)) *Target {
	t := NewTarget()
	t.Upstream = &Ref{ID: "u"}
	t.Target = s
	mod(t)
	return t
}

func TestTargetValidate(t *testing.T) {
	runCases(t, []vcase{
		{"host port", target("a.example:8080", func(*Target) {}), ""},
		{"ipv6", target("[::1]:80", func(*Target) {}), ""},
		{"weight zero", target("a:1", func(t *Target) { t.Weight = 0 }), ""},
		{"weight high", target("a:1", func(t *Target) { t.Weight = 65536 }), "weight: value should be between 0 and 65535"},
		{"no upstream", target("a:1", func(t *Target) { t.Upstream = nil }), "upstream: required field missing"},
		{"empty", target("", func(*Target) {}), "target: required field missing"},
		{"bad host", target("a b:80", func(*Target) {}), "target: Invalid target ('a b:80')"},
		{"bad port", target("a:http", func(*Target) {}), "target: Invalid target; not a valid hostname or ip address"},
		{"port zero", target("a:0", func(*Target) {}), "port must be between 1 and 65535"},
	})
}

func TestTargetNormalizeDefaultPort(t *testing.T) {
	for in, want := range map[string]string{
		"Example.com": "example.com:8000", "10.0.0.1": "10.0.0.1:8000", "::1": "[::1]:8000",
		"[::1]": "[::1]:8000", "a:81": "a:81",
	} {
		tg := target(in, func(*Target) {})
		tg.Normalize()
		if tg.Target != want {
			t.Errorf("%q: got %q, want %q", in, tg.Target, want)
		}
	}
}

func TestConsumerPluginCredentialValidate(t *testing.T) {
	c := &Ref{ID: "c"}
	plugin := func(mod func(*Plugin)) *Plugin { p := NewPlugin(); p.Name = "cors"; mod(p); return p }
	runCases(t, []vcase{
		{"consumer username", &Consumer{Username: "alice"}, ""},
		{"consumer custom_id", &Consumer{CustomID: "42"}, ""},
		{"consumer empty", &Consumer{Username: " "}, "at least one of these fields must be non-empty: 'custom_id', 'username'"},
		{"plugin ok", plugin(func(*Plugin) {}), ""},
		{"plugin no name", plugin(func(p *Plugin) { p.Name = "" }), "name: required field missing"},
		{"plugin protocols", plugin(func(p *Plugin) { p.Protocols = []string{"smtp"} }), "protocols[0]: expected one of"},
		{"plugin instance name", plugin(func(p *Plugin) { p.InstanceName = "a b" }), "instance_name: invalid value"},
		{"plugin nil config ok", plugin(func(p *Plugin) { p.Config = nil }), ""},
		{"keyauth ok", &KeyAuth{Consumer: c, Key: "k"}, ""},
		{"keyauth no key", &KeyAuth{Consumer: c}, "key: required field missing"},
		{"keyauth no consumer", &KeyAuth{Key: "k"}, "consumer: required field missing"},
		{"basicauth no password", &BasicAuth{Consumer: c, Username: "u"}, "password: required field missing"},
		{"jwt ok", &JWT{Consumer: c, Key: "k", Secret: "s", Algorithm: "HS256"}, ""},
		{"jwt bad alg", &JWT{Consumer: c, Key: "k", Secret: "s", Algorithm: "none"}, "algorithm: expected one of"},
		{"jwt rsa needs key", &JWT{Consumer: c, Key: "k", Algorithm: "RS256"}, "rsa_public_key: required field missing"},
		{"jwt rsa bad key", &JWT{Consumer: c, Key: "k", Algorithm: "RS256", RSAPublicKey: "xx"}, "rsa_public_key: invalid key"},
		{"acl no group", &ACL{Consumer: c}, "group: required field missing"},
	})
}

func TestCertificateValidate(t *testing.T) {
	ec := makeCert(t, certOpts{})
	ec2 := makeCert(t, certOpts{})
	rsa := makeCert(t, certOpts{rsa: true})
	runCases(t, []vcase{
		{"ecdsa pair", &Certificate{Cert: ec.Cert, Key: ec.Key}, ""},
		{"with alt", &Certificate{Cert: ec.Cert, Key: ec.Key, CertAlt: rsa.Cert, KeyAlt: rsa.Key}, ""},
		{"alt same type", &Certificate{Cert: ec.Cert, Key: ec.Key, CertAlt: ec2.Cert, KeyAlt: ec2.Key}, "cert_alt: certificate and alternative certificate need to have different type"},
		{"alt without key", &Certificate{Cert: ec.Cert, Key: ec.Key, CertAlt: rsa.Cert}, "all or none of these fields must be set: 'cert_alt', 'key_alt'"},
		{"mismatch", &Certificate{Cert: ec.Cert, Key: ec2.Key}, "key: certificate does not match key"},
		{"alt mismatch", &Certificate{Cert: ec.Cert, Key: ec.Key, CertAlt: rsa.Cert, KeyAlt: ec2.Key}, "key_alt: certificate does not match key"},
		{"garbage cert", &Certificate{Cert: "hello", Key: ec.Key}, "cert: invalid certificate: not PEM encoded"},
		{"garbage key", &Certificate{Cert: ec.Cert, Key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}, "key: invalid key"},
		{"missing key", &Certificate{Cert: ec.Cert}, "key: required field missing"},
		{"bad sni shorthand", &Certificate{Cert: ec.Cert, Key: ec.Key, SNIs: []string{"1.2.3.4"}}, "snis[0]: must not be an IP"},
	})
}

func TestSNIValidate(t *testing.T) {
	cert := &Ref{ID: "c"}
	runCases(t, []vcase{
		{"plain", &SNI{Name: "Example.com", Certificate: cert}, ""},
		{"wildcard", &SNI{Name: "*.example.com", Certificate: cert}, ""},
		{"port", &SNI{Name: "example.com:443", Certificate: cert}, "name: must not have a port"},
		{"ip", &SNI{Name: "10.0.0.1", Certificate: cert}, "name: must not be an IP"},
		{"middle wildcard", &SNI{Name: "a.*.com", Certificate: cert}, "name: invalid wildcard"},
		{"no cert", &SNI{Name: "a.com"}, "certificate: required field missing"},
	})
}

func TestCACertificateValidate(t *testing.T) {
	ca := makeCert(t, certOpts{ca: true})
	leaf := makeCert(t, certOpts{})
	expired := makeCert(t, certOpts{ca: true, notAfter: time.Now().Add(-time.Hour)})
	runCases(t, []vcase{
		{"ca", &CACertificate{Cert: ca.Cert}, ""},
		{"not a ca", &CACertificate{Cert: leaf.Cert}, `missing the "CA" basic constraint`},
		{"expired", &CACertificate{Cert: expired.Cert}, `certificate expired, "Not After" time is in the past`},
		{"two certs", &CACertificate{Cert: ca.Cert + ca.Cert}, "please submit only one certificate at a time"},
		{"garbage", &CACertificate{Cert: "x"}, "cert: invalid certificate"},
	})
	c := &CACertificate{Cert: "\n" + ca.Cert}
	c.Normalize()
	if len(c.CertDigest) != 64 || strings.ToLower(c.CertDigest) != c.CertDigest {
		t.Fatalf("cert_digest = %q, want 64 lower-case hex digits", c.CertDigest)
	}
}
