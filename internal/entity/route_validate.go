package entity

import (
	"net"
	"regexp"
	"sort"
	"strings"
)

// Normalize trims and lower-cases hosts, snis and header names, and makes
// empty lists nil, so equal routes compare and hash equal.
func (r *Route) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.Protocols = trimAll(r.Protocols)
	r.Methods = trimAll(r.Methods)
	r.Hosts = trimAll(r.Hosts)
	for i, h := range r.Hosts {
		r.Hosts[i] = strings.ToLower(h)
	}
	r.SNIs = trimAll(r.SNIs)
	for i, h := range r.SNIs {
		r.SNIs[i] = strings.ToLower(h)
	}
	r.Paths = trimAll(r.Paths)
	if len(r.Headers) == 0 {
		r.Headers = nil
	} else {
		h := make(map[string][]string, len(r.Headers))
		for k, v := range r.Headers {
			k = strings.ToLower(strings.TrimSpace(k))
			h[k] = append(h[k], v...)
		}
		r.Headers = h
	}
	r.Sources = emptyToNil(r.Sources)
	r.Destinations = emptyToNil(r.Destinations)
	r.Tags = emptyToNil(r.Tags)
}

// CompileRegexPath compiles a regex route path (with or without its leading
// '~') in Go's RE2 syntax, accepting PCRE's named groups "(?<name>...)".
// The router uses it too, so what validates is what matches.
func CompileRegexPath(p string) (*regexp.Regexp, error) {
	p = strings.TrimPrefix(p, "~")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		if strings.HasPrefix(p[i:], "(?<") && i+3 < len(p) && p[i+3] != '=' && p[i+3] != '!' {
			b.WriteString("(?P<")
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return regexp.Compile(b.String())
}

// Validate checks the route's own fields with Kong's rules and messages.
func (r *Route) Validate() Errors {
	var e Errors
	e.meta(&r.Meta)
	e.name("name", r.Name)
	e.ref("service", r.Service)
	if len(r.Protocols) == 0 {
		e.Add("protocols", "length must be at least 1")
	}
	e.protocols("protocols", r.Protocols)
	httpish, stream, tlsish := false, false, false
	for _, p := range r.Protocols {
		switch p {
		case "tcp", "tls", "udp", "tls_passthrough":
			stream = true
		default:
			httpish = true
		}
		switch p {
		case "https", "grpcs", "wss", "tls", "tls_passthrough":
			tlsish = true
		}
	}
	if httpish && stream {
		e.Add("protocols", "these sets are mutually exclusive: ('grpc', 'grpcs', 'http', 'https', 'ws', 'wss'), ('tcp', 'tls', 'tls_passthrough', 'udp')")
	}
	for i, m := range r.Methods {
		if !isUpperToken(m) {
			e.errorf(index("methods", i), "invalid value: %s", m)
		}
	}
	for i, h := range r.Hosts {
		r.validateHost(&e, index("hosts", i), h)
	}
	for i, p := range r.Paths {
		validatePath(&e, index("paths", i), p)
	}
	r.validateHeaders(&e)
	for i, s := range r.SNIs {
		if msg := sniName(s); msg != "" {
			e.Add(index("snis", i), msg)
		}
	}
	if len(r.SNIs) > 0 && !tlsish {
		e.Add("snis", "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls', 'tls_passthrough' or 'wss'")
	}
	validateCIDRPorts(&e, "sources", r.Sources)
	validateCIDRPorts(&e, "destinations", r.Destinations)
	e.oneOf("path_handling", r.PathHandling, "v0", "v1")
	switch r.HTTPSRedirectStatusCode {
	case 426, 301, 302, 307, 308:
	default:
		e.Add("https_redirect_status_code", "expected one of: 426, 301, 302, 307, 308")
	}
	r.validateMatchers(&e, httpish, stream, tlsish)
	return e
}

// validateMatchers checks that the route can match something at all.
func (r *Route) validateMatchers(e *Errors, httpish, stream, tlsish bool) {
	switch {
	case httpish && !stream && grpcOnly(r.Protocols):
		if len(r.Methods) > 0 {
			e.Add("methods", "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'")
		}
		if r.StripPath {
			e.Add("strip_path", "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'")
		}
		if len(r.Hosts)+len(r.Headers)+len(r.Paths) == 0 && !(tlsish && len(r.SNIs) > 0) {
			e.Add("", "must set one of 'hosts', 'headers', 'paths' when 'protocols' is 'grpc' or 'grpcs'")
		}
	case httpish && !stream:
		if len(r.Methods)+len(r.Hosts)+len(r.Headers)+len(r.Paths) > 0 || (tlsish && len(r.SNIs) > 0) {
			break
		}
		if tlsish {
			e.Add("", "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'")
		} else {
			e.Add("", "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'")
		}
		if len(r.Sources)+len(r.Destinations) > 0 {
			e.Add("sources", "'sources' and 'destinations' can only be set when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'")
		}
	case stream && !httpish:
		if len(r.Sources)+len(r.Destinations)+len(r.SNIs) == 0 {
			e.Add("", "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'")
		}
		for _, f := range []struct {
			name string
			n    int
		}{{"methods", len(r.Methods)}, {"hosts", len(r.Hosts)}, {"paths", len(r.Paths)}, {"headers", len(r.Headers)}} {
			if f.n > 0 {
				e.errorf(f.name, "cannot set '%s' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'", f.name)
			}
		}
	}
}

func (r *Route) validateHost(e *Errors, field, h string) {
	host, _, ok := splitHostPort(h)
	if !ok {
		e.Add(field, "invalid port number")
		return
	}
	if msg := wildcardHost(host); msg != "" {
		e.Add(field, msg)
	}
}

// validatePath checks a prefix path or a regex path ("~...").
func validatePath(e *Errors, field, p string) {
	switch {
	case strings.HasPrefix(p, "~"):
		validateRegex(e, field, p[1:])
	case !strings.HasPrefix(p, "/"):
		e.Add(field, "should start with: / (fixed path) or ~/ (regex path)")
	case strings.Contains(p, "//"):
		e.Add(field, "must not have empty segments")
	}
}

// validateRegex reports a regex that RE2 (with PCRE named groups) rejects,
// with RE2's reason.
func validateRegex(e *Errors, field, re string) {
	if _, err := CompileRegexPath(re); err != nil {
		e.errorf(field, "invalid regex: '%s' (%s)", re, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
}

func (r *Route) validateHeaders(e *Errors) {
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		field := "headers." + k
		switch {
		case strings.EqualFold(k, "host"):
			e.Add(field, "cannot contain 'host' header, which must be specified in the 'hosts' attribute")
		case !validHeaderName(k):
			e.errorf(field, "invalid header name: %s", k)
		case len(r.Headers[k]) == 0:
			e.Add(field, "length must be at least 1")
		}
		for i, v := range r.Headers[k] {
			if re, ok := strings.CutPrefix(v, "~*"); ok { // Kong's regex header value
				validateRegex(e, index(field, i), re)
			}
		}
	}
}

func validateCIDRPorts(e *Errors, field string, list []CIDRPort) {
	for i, cp := range list {
		f := index(field, i)
		if cp.IP == "" && cp.Port == 0 {
			e.Add(f, "at least one of these fields must be non-empty: 'ip', 'port'")
			continue
		}
		if cp.IP != "" && net.ParseIP(cp.IP) == nil {
			if _, _, err := net.ParseCIDR(cp.IP); err != nil {
				e.errorf(f+".ip", "invalid cidr range: %s", cp.IP)
			}
		}
		e.between(f+".port", cp.Port, 0, maxPort)
	}
}

// isUpperToken reports whether m is an upper-case method token like "GET".
func isUpperToken(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

// grpcOnly reports whether every protocol of a route is grpc or grpcs.
func grpcOnly(protocols []string) bool {
	for _, p := range protocols {
		if p != "grpc" && p != "grpcs" {
			return false
		}
	}
	return len(protocols) > 0
}
