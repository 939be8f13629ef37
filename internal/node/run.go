package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/version"
)

// Run starts the node and blocks until ctx ends (SIGTERM/SIGINT in the CLI)
// or a component or provider fails:
//
//  1. claim the pid file; apply the start configuration (its error stops start-up);
//  2. bind every component's listeners and write listeners.json;
//  3. start the components in order, then run the providers;
//  4. on the way out: stop the providers, then the components in reverse
//     order, sharing one drain_timeout, then Options.Close.
//
// It returns nil after a clean stop.
func (n *Node) Run(ctx context.Context) error {
	s := n.settings
	release, err := claimPID(s.Prefix)
	if err != nil {
		return err
	}
	defer release()
	n.log.Log(ctx, settings.LevelNotice, "starting Gantry", "version", version.Version, "role", s.Role, "database", s.Database,
		"prefix", s.Prefix, "node_id", n.id, "pid", os.Getpid())
	n.log.Debug("settings", "configuration", s.Redacted())
	if n.opts.Close != nil {
		defer n.opts.Close()
	}
	if err := n.opts.Pipeline.Start(ctx, n.opts.Providers); err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	socks, ls, err := n.bindAll(ctx)
	if err != nil {
		return err
	}
	if err := writeListeners(s.Prefix, ls); err != nil {
		closeAll(socks...)
		return fmt.Errorf("cannot write %s: %w", filepath.Join(s.Prefix, ListenersFile), err)
	}
	defer os.Remove(filepath.Join(s.Prefix, ListenersFile))
	n.logListeners(ls)
	n.ls.Store(ls)

	failed := make(chan error, len(n.opts.Components)+len(n.opts.Providers)+1)
	fail := func(err error) { report(failed, err) }
	var started []Component
	for i, c := range n.opts.Components {
		if err := c.Start(ctx, socks[i], fail); err != nil {
			closeAll(socks[i+1:]...)
			n.stop(started)
			return fmt.Errorf("cannot start %s: %w", c.Name(), err)
		}
		started = append(started, c)
	}
	pctx, stopProviders := context.WithCancel(ctx)
	defer stopProviders()
	var providers sync.WaitGroup
	for _, p := range n.opts.Providers {
		providers.Go(func() {
			if err := p.Run(pctx, n.opts.Pipeline); err != nil {
				fail(fmt.Errorf("%s: %w", p.Name(), err))
			}
		})
	}
	close(n.bound)

	var runErr error
	select {
	case <-ctx.Done():
		n.log.Log(ctx, settings.LevelNotice, "stopping: draining in-flight requests", "drain_timeout", s.DrainTimeout)
	case runErr = <-failed:
		n.log.Error("a component or provider failed, stopping", "error", runErr)
	}
	n.draining.Store(true)
	stopProviders()
	providers.Wait()
	n.stop(started)
	n.log.Log(ctx, settings.LevelNotice, "stopped")
	return runErr
}

// stop stops cs in reverse order within one drain_timeout: the last
// started first, so the status listener (first started) answers 503 on
// /status/ready while the proxy drains.
func (n *Node) stop(cs []Component) {
	ctx, cancel := context.WithTimeout(context.Background(), n.settings.DrainTimeout)
	defer cancel()
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i].Stop(ctx); err != nil {
			n.log.Warn("drain timed out, closing remaining connections", "component", cs[i].Name(),
				"drain_timeout", n.settings.DrainTimeout, "error", err)
		}
	}
}

// bindAll binds the listeners of every component, one set per component in
// the order of Options.Components, and lists them as listeners.json does; a
// failure closes what was bound and names the setting.
func (n *Node) bindAll(ctx context.Context) ([][]Listener, *Listeners, error) {
	out := make([][]Listener, len(n.opts.Components))
	ls := &Listeners{}
	for i, c := range n.opts.Components {
		key := c.Listen()
		if key == "" {
			continue
		}
		specs, bound, ok := listenSetting(n.settings, ls, key)
		if !ok {
			closeAll(out...)
			return nil, nil, fmt.Errorf("node: component %s listens on unknown setting %s", c.Name(), key)
		}
		lns, err := bindAll(ctx, key, specs)
		if err != nil {
			closeAll(out...)
			return nil, nil, err
		}
		out[i] = lns
		*bound = append(*bound, bounds(lns)...)
	}
	return out, ls, nil
}

// listenSetting returns the addresses of one listen setting and where
// listeners.json lists what was bound from it.
func listenSetting(s *settings.Settings, ls *Listeners, key string) (specs []settings.Listen, bound *[]Bound, ok bool) {
	switch key {
	case "proxy_listen":
		return s.ProxyListen, &ls.Proxy, true
	case "admin_listen":
		return s.AdminListen, &ls.Admin, true
	case "status_listen":
		return s.StatusListen, &ls.Status, true
	case "cluster_listen":
		return s.ClusterListen, &ls.Cluster, true
	case "cluster_peer_listen":
		return s.ClusterPeerListen, &ls.ClusterPeer, true
	}
	return nil, nil, false
}

func closeAll(sets ...[]Listener) {
	for _, set := range sets {
		for _, ln := range set {
			ln.Close()
		}
	}
}

// report passes an error on, ignoring the normal end of serving.
func report(ch chan<- error, err error) {
	if err == nil || errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) {
		return
	}
	select {
	case ch <- err:
	default:
	}
}

func (n *Node) logListeners(ls *Listeners) {
	sets := []struct {
		kind string
		set  []Bound
	}{{"proxy", ls.Proxy}, {"admin", ls.Admin}, {"status", ls.Status}, {"cluster", ls.Cluster}, {"cluster_peer", ls.ClusterPeer}}
	for _, s := range sets {
		for _, b := range s.set {
			if s.kind == "cluster" || s.kind == "cluster_peer" {
				// Always TLS with client certificates, whatever the listen
				// setting says.
				n.log.Log(context.Background(), settings.LevelNotice, "listening", "listener", s.kind, "address", b.Address, "mtls", true)
				continue
			}
			n.log.Log(context.Background(), settings.LevelNotice, "listening", "listener", s.kind, "address", b.Address, "ssl", b.SSL, "http2", b.HTTP2)
		}
	}
}

// readHeaderTimeout protects the status and admin listeners from slow clients.
const readHeaderTimeout = 10 * time.Second
