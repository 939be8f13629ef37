package settings

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Listen is one address of a *_listen setting with its options.
type Listen struct {
	// Address is host:port as net.Listen takes it; port 0 asks for any free port.
	Address       string
	SSL           bool
	HTTP2         bool
	ReusePort     bool
	ProxyProtocol bool
}

// String renders l the way it is written in a setting.
func (l Listen) String() string {
	s := l.Address
	for _, o := range []struct {
		on   bool
		name string
	}{{l.SSL, "ssl"}, {l.HTTP2, "http2"}, {l.ReusePort, "reuseport"}, {l.ProxyProtocol, "proxy_protocol"}} {
		if o.on {
			s += " " + o.name
		}
	}
	return s
}

// ParseListen parses a listen setting: "off", or a comma-separated list of
// "host:port [ssl] [http2] [reuseport] [proxy_protocol]". IPv6 hosts are
// bracketed ("[::1]:8000"). "off" yields nil.
func ParseListen(value string) ([]Listen, error) {
	value = strings.TrimSpace(value)
	if value == "off" {
		return nil, nil
	}
	if value == "" {
		return nil, fmt.Errorf(`must be "off" or a list of host:port [ssl] [http2] [reuseport] [proxy_protocol]`)
	}
	var out []Listen
	for _, item := range strings.Split(value, ",") {
		l, err := parseListenItem(strings.Fields(item))
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func parseListenItem(fields []string) (Listen, error) {
	if len(fields) == 0 {
		return Listen{}, fmt.Errorf("empty entry in the list: remove the extra comma")
	}
	if fields[0] == "off" {
		return Listen{}, fmt.Errorf(`"off" must be the whole value, not one entry of a list`)
	}
	host, port, err := net.SplitHostPort(fields[0])
	if err != nil {
		return Listen{}, fmt.Errorf("%q is not host:port (write IPv6 hosts in brackets: [::1]:8000)", fields[0])
	}
	if host == "" {
		return Listen{}, fmt.Errorf("%q has no host: use 0.0.0.0 for every interface or 127.0.0.1 for loopback only", fields[0])
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return Listen{}, fmt.Errorf("port %q must be a number from 0 to 65535 (0 picks a free port)", port)
	}
	l := Listen{Address: fields[0]}
	for _, opt := range fields[1:] {
		switch opt {
		case "ssl":
			l.SSL = true
		case "http2":
			l.HTTP2 = true
		case "reuseport":
			l.ReusePort = true
		case "proxy_protocol":
			l.ProxyProtocol = true
		default:
			return Listen{}, fmt.Errorf("unknown listen option %q: allowed are ssl, http2, reuseport, proxy_protocol", opt)
		}
	}
	return l, nil
}

// parseHostPorts parses a comma-separated list of host:port (cluster_control_plane).
func parseHostPorts(value string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		host, port, err := net.SplitHostPort(item)
		if err != nil || host == "" {
			return nil, fmt.Errorf("%q is not host:port", item)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("port %q of %q must be a number from 1 to 65535", port, item)
		}
		out = append(out, item)
	}
	return out, nil
}

// AdminOnLoopbackOnly reports whether every admin_listen address is a
// loopback one (127.0.0.0/8, ::1 or localhost): the Admin API is then
// reachable from this machine only, and answers loopback Host values only
// (admin_allowed_hosts adds others).
func (s *Settings) AdminOnLoopbackOnly() bool {
	if len(s.AdminListen) == 0 {
		return false
	}
	for _, l := range s.AdminListen {
		host, _, err := net.SplitHostPort(l.Address)
		if err != nil {
			return false
		}
		if host == "localhost" {
			continue
		}
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Unmap().IsLoopback() {
			return false
		}
	}
	return true
}
