package entity

import (
	"net"
	"strconv"
	"strings"
)

// hashOnValues are the values of an upstream's hash_on and hash_fallback.
var hashOnValues = []string{"none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture"}

// healthcheckTypes are the probe types of active and passive health checks.
var healthcheckTypes = []string{"tcp", "http", "https", "grpc", "grpcs"}

// Normalize trims the upstream's text fields.
func (u *Upstream) Normalize() {
	u.Name = strings.TrimSpace(u.Name)
	u.HostHeader = strings.TrimSpace(u.HostHeader)
	u.Tags = emptyToNil(u.Tags)
}

// Validate checks the upstream's own fields with Kong's rules and messages,
// including the fields hash_on and hash_fallback make mandatory.
func (u *Upstream) Validate() Errors {
	var e Errors
	e.meta(&u.Meta)
	if e.required("name", u.Name) && !validHostname(u.Name) {
		e.errorf("name", "Invalid name ('%s'); must be a valid hostname", u.Name)
	}
	e.oneOf("algorithm", u.Algorithm, "consistent-hashing", "least-connections", "round-robin", "latency")
	e.oneOf("hash_on", u.HashOn, hashOnValues...)
	e.oneOf("hash_fallback", u.HashFallback, hashOnValues...)
	u.validateHashFields(&e, "hash_on", u.HashOn, u.HashOnHeader, u.HashOnQueryArg, u.HashOnURICapture)
	u.validateHashFields(&e, "hash_fallback", u.HashFallback, u.HashFallbackHeader, u.HashFallbackQueryArg, u.HashFallbackURICapture)
	if u.HashOn == "cookie" && u.HashOnCookie == "" {
		e.Add("hash_on_cookie", "required field missing")
	}
	if (u.HashOn == "none" || u.HashOn == "cookie") && u.HashFallback != "none" {
		e.Add("hash_fallback", "expected one of: none")
	}
	if u.HashOn != "none" && u.HashOn == u.HashFallback && !u.distinctInputs() {
		e.Add("hash_fallback", "values of these fields must be distinct: 'hash_on', 'hash_fallback'")
	}
	if !strings.HasPrefix(u.HashOnCookiePath, "/") {
		e.Add("hash_on_cookie_path", "should start with: /")
	}
	e.between("slots", u.Slots, 10, 1<<16)
	if u.HostHeader != "" && !validHostname(u.HostHeader) {
		e.errorf("host_header", "invalid hostname: %s", u.HostHeader)
	}
	e.ref("client_certificate", u.ClientCertificate)
	u.Healthchecks.validate(&e)
	return e
}

// validateHashFields checks that the field naming the hash input is set
// when hash_on (or hash_fallback) needs it.
func (u *Upstream) validateHashFields(e *Errors, prefix, on, header, queryArg, uriCapture string) {
	need := map[string]struct{ field, value string }{
		"header":      {prefix + "_header", header},
		"query_arg":   {prefix + "_query_arg", queryArg},
		"uri_capture": {prefix + "_uri_capture", uriCapture},
	}
	if n, ok := need[on]; ok {
		if n.value == "" {
			e.Add(n.field, "required field missing")
		} else if on == "header" && !validHeaderName(n.value) {
			e.errorf(n.field, "invalid header name: %s", n.value)
		}
	}
}

// distinctInputs reports whether equal hash_on and hash_fallback still
// hash on different inputs (two different headers, query args or captures).
func (u *Upstream) distinctInputs() bool {
	switch u.HashOn {
	case "header":
		return !strings.EqualFold(u.HashOnHeader, u.HashFallbackHeader)
	case "query_arg":
		return u.HashOnQueryArg != u.HashFallbackQueryArg
	case "uri_capture":
		return u.HashOnURICapture != u.HashFallbackURICapture
	}
	return false
}

func (h *Healthchecks) validate(e *Errors) {
	a, p := &h.Active, &h.Passive
	e.oneOf("healthchecks.active.type", a.Type, healthcheckTypes...)
	e.betweenFloat("healthchecks.active.timeout", a.Timeout, 0, 65535)
	e.between("healthchecks.active.concurrency", a.Concurrency, 1, 1<<31-1)
	if !strings.HasPrefix(a.HTTPPath, "/") {
		e.Add("healthchecks.active.http_path", "should start with: /")
	}
	if a.HTTPSSni != "" && !validHostname(a.HTTPSSni) {
		e.errorf("healthchecks.active.https_sni", "invalid hostname: %s", a.HTTPSSni)
	}
	for k := range a.Headers {
		if !validHeaderName(k) {
			e.errorf("healthchecks.active.headers."+k, "invalid header name: %s", k)
		}
	}
	e.betweenFloat("healthchecks.active.healthy.interval", a.Healthy.Interval, 0, 65535)
	e.betweenFloat("healthchecks.active.unhealthy.interval", a.Unhealthy.Interval, 0, 65535)
	counters := []struct {
		field string
		v     int
	}{
		{"active.healthy.successes", a.Healthy.Successes},
		{"active.unhealthy.tcp_failures", a.Unhealthy.TCPFailures},
		{"active.unhealthy.timeouts", a.Unhealthy.Timeouts},
		{"active.unhealthy.http_failures", a.Unhealthy.HTTPFailures},
		{"passive.healthy.successes", p.Healthy.Successes},
		{"passive.unhealthy.tcp_failures", p.Unhealthy.TCPFailures},
		{"passive.unhealthy.timeouts", p.Unhealthy.Timeouts},
		{"passive.unhealthy.http_failures", p.Unhealthy.HTTPFailures},
	}
	for _, c := range counters {
		e.between("healthchecks."+c.field, c.v, 0, 255)
	}
	statuses := []struct {
		field string
		list  []int
	}{
		{"active.healthy.http_statuses", a.Healthy.HTTPStatuses},
		{"active.unhealthy.http_statuses", a.Unhealthy.HTTPStatuses},
		{"passive.healthy.http_statuses", p.Healthy.HTTPStatuses},
		{"passive.unhealthy.http_statuses", p.Unhealthy.HTTPStatuses},
	}
	for _, s := range statuses {
		for i, code := range s.list {
			e.between(index("healthchecks."+s.field, i), code, 100, 999)
		}
	}
	e.oneOf("healthchecks.passive.type", p.Type, healthcheckTypes...)
	e.betweenFloat("healthchecks.threshold", h.Threshold, 0, 100)
}

// Normalize trims the target and appends Kong's default port 8000 when it
// has none; a bare IPv6 address gets brackets.
func (t *Target) Normalize() {
	t.Target = strings.TrimSpace(t.Target)
	host, port, ok := splitHostPort(t.Target)
	if !ok || t.Target == "" {
		return
	}
	if port < 0 {
		port = 8000
	}
	t.Target = net.JoinHostPort(strings.ToLower(host), strconv.Itoa(port))
	t.Tags = emptyToNil(t.Tags)
}

// Validate checks the target's own fields: host:port syntax and weight.
func (t *Target) Validate() Errors {
	var e Errors
	e.meta(&t.Meta)
	e.requiredRef("upstream", t.Upstream)
	if e.required("target", t.Target) {
		host, port, ok := splitHostPort(t.Target)
		switch {
		case !ok:
			e.Add("target", "Invalid target; not a valid hostname or ip address (expected host:port)")
		case !validHostname(host):
			e.errorf("target", "Invalid target ('%s'); not a valid hostname or ip address", t.Target)
		case port == 0:
			e.Add("target", "Invalid target; port must be between 1 and 65535")
		}
	}
	e.between("weight", t.Weight, 0, maxPort)
	return e
}
