package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/gantryhq/gantry/internal/settings"
)

// Bound is one listener as actually bound: the address has the real port
// when the setting asked for port 0.
type Bound struct {
	Address       string `json:"address"`
	SSL           bool   `json:"ssl"`
	HTTP2         bool   `json:"http2"`
	ProxyProtocol bool   `json:"proxy_protocol,omitempty"`
}

// URL is the base URL a client on this machine uses to reach the listener:
// a wildcard address (0.0.0.0, ::) becomes loopback.
func (b Bound) URL() string {
	scheme := "http"
	if b.SSL {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(b.Address)
	if err != nil {
		return scheme + "://" + b.Address
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.Is6() {
			host = "::1"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Listeners is the content of <prefix>/listeners.json: every listener the
// node bound, by kind, so scripts and tests find ports chosen at random.
type Listeners struct {
	Proxy   []Bound `json:"proxy"`
	Admin   []Bound `json:"admin"`
	Status  []Bound `json:"status"`
	Cluster []Bound `json:"cluster"`
	// ClusterPeer is cluster_peer_listen (data planes only).
	ClusterPeer []Bound `json:"cluster_peer"`
}

// ReadListeners reads <prefix>/listeners.json written by a running node.
func ReadListeners(prefix string) (*Listeners, error) {
	path := filepath.Join(prefix, ListenersFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no listeners file (is Gantry running with prefix %s?): %w", prefix, err)
	}
	var l Listeners
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return &l, nil
}

func writeListeners(prefix string, l *Listeners) error {
	for _, s := range []*[]Bound{&l.Proxy, &l.Admin, &l.Status, &l.Cluster} {
		if *s == nil {
			*s = []Bound{}
		}
	}
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(prefix, ListenersFile), append(data, '\n'), 0o644)
}

func (l Listener) bound() Bound {
	return Bound{Address: l.Addr().String(), SSL: l.Spec.SSL, HTTP2: l.Spec.HTTP2, ProxyProtocol: l.Spec.ProxyProtocol}
}

// bindAll binds every spec of one setting; on failure it closes what it bound.
func bindAll(ctx context.Context, key string, specs []settings.Listen) ([]Listener, error) {
	var out []Listener
	for _, spec := range specs {
		ln, err := bind(ctx, spec)
		if err != nil {
			for _, l := range out {
				l.Close()
			}
			return nil, fmt.Errorf("%s: cannot listen on %s: %w", key, spec.Address, err)
		}
		out = append(out, Listener{Listener: ln, Spec: spec})
	}
	return out, nil
}

// bind listens on spec, on tcp4 or tcp6 when the host is an address of that
// family so the bound address reads as written ("0.0.0.0:41234", not "[::]:41234").
func bind(ctx context.Context, spec settings.Listen) (net.Listener, error) {
	network := "tcp"
	if host, _, err := net.SplitHostPort(spec.Address); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil {
			network = "tcp6"
			if ip.Is4() {
				network = "tcp4"
			}
		}
	}
	lc := net.ListenConfig{}
	if spec.ReusePort {
		lc.Control = reusePort
	}
	return lc.Listen(ctx, network, spec.Address)
}

func bounds(ls []Listener) []Bound {
	out := make([]Bound, len(ls))
	for i, l := range ls {
		out[i] = l.bound()
	}
	return out
}
