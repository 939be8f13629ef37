package entity

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// validHostname reports whether h is a DNS name (letters, digits, '-' and
// '_' labels separated by dots) or an IP address. No wildcard, no port.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port". port is
// -1 when absent; ok is false when the syntax is broken.
func splitHostPort(s string) (host string, port int, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, false
		}
		host, rest := s[1:end], s[end+1:]
		if net.ParseIP(host) == nil || !strings.Contains(host, ":") {
			return "", 0, false
		}
		if rest == "" {
			return host, -1, true
		}
		if rest[0] != ':' {
			return "", 0, false
		}
		p, err := parsePort(rest[1:])
		return host, p, err == nil
	}
	if strings.Count(s, ":") > 1 { // bare IPv6
		return s, -1, net.ParseIP(s) != nil
	}
	h, p, found := strings.Cut(s, ":")
	if !found {
		return s, -1, true
	}
	n, err := parsePort(p)
	return h, n, err == nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxPort || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("invalid port number")
	}
	return n, nil
}

// wildcardHost checks a route host or SNI: an optional '*' as the whole
// leftmost or rightmost label, at most one. It returns "" when valid, else
// Kong's message.
func wildcardHost(h string) string {
	n := strings.Count(h, "*")
	if n == 0 {
		if !validHostname(h) {
			return "invalid hostname: " + h
		}
		return ""
	}
	if n > 1 {
		return "invalid wildcard: must have at most one wildcard"
	}
	switch {
	case strings.HasPrefix(h, "*.") && validHostname(h[2:]):
		return ""
	case strings.HasSuffix(h, ".*") && validHostname(h[:len(h)-2]):
		return ""
	case strings.HasPrefix(h, "*.") || strings.HasSuffix(h, ".*"):
		return "invalid hostname: " + h
	}
	return "invalid wildcard: must be placed at leftmost or rightmost label"
}

// validHeaderName reports whether n is an HTTP header token.
func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}
