package plugintest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// PlaceholderHost is the host Service gives services: the harness points
// every service with it at its upstream. Services with another host keep
// it, so a test can aim a route at a server of its own.
const PlaceholderHost = "upstream.test"

// serveProxy builds a real snapshot of cfg (router, services, plugin chains
// from reg, wired as the node wires them) and serves it with the real
// proxy on a loopback listener until the test ends. It returns the
// proxy's base URL and the chains it runs.
func serveProxy(t testing.TB, cfg *entity.Config, reg *plugin.Registry, log *slog.Logger, upstream string) (string, *plugin.Chains, error) {
	cfg, err := pointAt(cfg, upstream)
	if err != nil {
		return "", nil, err
	}
	snap, err := snapshot.Build(cfg, nil, snapshot.Options{
		Logger:   log,
		Balancer: balancer.Options{Logger: log},
		Plugins:  reg,
	})
	if err != nil {
		return "", nil, err
	}
	cs := snap.Plugins()
	p := proxy.New(proxy.Options{
		Logger: log,
		// The client is always 127.0.0.1: trusting it lets a test name
		// another client address with ClientIPHeader (Kong's trusted_ips
		// plus real_ip_header X-Real-IP).
		TrustedIPs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	p.Swap(snap)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		snap.Retire(nil)
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln, proxy.ListenOptions{}) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("plugintest: proxy shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("plugintest: proxy: %v", err)
		}
		p.Current().Retire(nil)
	})
	return "http://" + ln.Addr().String(), cs, nil
}

// pointAt returns cfg with every service on PlaceholderHost aimed at the
// upstream URL. cfg itself is not changed: tests build several harnesses
// from one config.
func pointAt(cfg *entity.Config, upstream string) (*entity.Config, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("upstream url: %w", err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return nil, fmt.Errorf("upstream port: %w", err)
	}
	out := *cfg
	out.Services = make([]*entity.Service, len(cfg.Services))
	for i, s := range cfg.Services {
		c := *s
		if c.Host == PlaceholderHost {
			c.Host, c.Port = u.Hostname(), port
		}
		out.Services[i] = &c
	}
	return &out, nil
}
