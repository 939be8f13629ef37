package entity

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Normalize expands URL into protocol, host, port and path (then clears it),
// trims text fields and lower-cases the host. A URL that does not parse is
// left in place for Validate to report.
func (s *Service) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	if u := strings.TrimSpace(s.URL); u != "" {
		if p, err := parseServiceURL(u); err == nil {
			s.Protocol, s.Host, s.Port, s.Path = p.Protocol, p.Host, p.Port, p.Path
			s.URL = ""
		}
	}
	s.Host = strings.ToLower(strings.TrimSpace(s.Host))
	s.Path = strings.TrimSpace(s.Path)
	s.CACertificates = trimAll(s.CACertificates)
	s.Tags = emptyToNil(s.Tags)
}

// parseServiceURL splits a service url as Kong does: a missing port is 443
// for TLS protocols and 80 otherwise; a missing path stays empty.
func parseServiceURL(raw string) (*Service, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid url: %w", err)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("missing scheme in url '%s' (for example http://%s)", raw, raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("missing host in url '%s'", raw)
	}
	if u.User != nil {
		// Kong drops them silently: a service has no field to keep them.
		return nil, fmt.Errorf("url '%s' holds credentials (user:password@), which a service cannot keep: send them with a plugin instead (request-transformer's add.headers with an Authorization header, say)", u.Redacted())
	}
	out := &Service{Protocol: strings.ToLower(u.Scheme), Host: u.Hostname(), Path: u.EscapedPath()}
	switch {
	case u.Port() != "":
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return nil, fmt.Errorf("invalid port in url '%s'", raw)
		}
		out.Port = p
	case out.Protocol == "https" || out.Protocol == "grpcs" || out.Protocol == "wss" || out.Protocol == "tls":
		out.Port = 443
	default:
		out.Port = 80
	}
	return out, nil
}

// Validate checks the service's own fields with Kong's rules and messages.
func (s *Service) Validate() Errors {
	var e Errors
	e.meta(&s.Meta)
	e.name("name", s.Name)
	if s.URL != "" {
		if _, err := parseServiceURL(s.URL); err != nil {
			e.Add("url", err.Error())
			return e
		}
	}
	e.oneOf("protocol", s.Protocol, Protocols...)
	if e.required("host", s.Host) && !validHostname(s.Host) {
		e.errorf("host", "invalid hostname: %s", s.Host)
	}
	e.between("port", s.Port, 0, maxPort)
	if s.Path != "" {
		switch {
		case !isHTTPLike(s.Protocol):
			e.mustBeNull("path")
		case !strings.HasPrefix(s.Path, "/"):
			e.Add("path", "should start with: /")
		case strings.Contains(s.Path, "//"):
			e.Add("path", "must not have empty segments")
		}
	}
	e.between("retries", s.Retries, 0, maxRetries)
	e.between("connect_timeout", s.ConnectTimeout, 1, maxTimeout)
	e.between("write_timeout", s.WriteTimeout, 1, maxTimeout)
	e.between("read_timeout", s.ReadTimeout, 1, maxTimeout)
	tlsUpstream := s.Protocol == "https" || s.Protocol == "wss" || s.Protocol == "tls" || s.Protocol == "grpcs"
	if s.TLSVerifyDepth != nil {
		e.between("tls_verify_depth", *s.TLSVerifyDepth, 0, 64)
	}
	if s.ClientCertificate != nil {
		if !tlsUpstream {
			e.mustBeNull("client_certificate")
		}
		e.ref("client_certificate", s.ClientCertificate)
	}
	for i, id := range s.CACertificates {
		if !IsUUID(id) {
			e.Add(index("ca_certificates", i), "expected a valid UUID")
		}
	}
	return e
}

// isHTTPLike reports whether p is routed on HTTP attributes.
func isHTTPLike(p string) bool {
	switch p {
	case "http", "https", "grpc", "grpcs", "ws", "wss":
		return true
	}
	return false
}
