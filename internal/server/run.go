package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/version"
)

// Run starts the node and blocks until ctx ends (SIGTERM/SIGINT in the CLI)
// or a listener fails. It then stops accepting, drains in-flight requests
// for at most drain_timeout and returns nil after a clean stop.
func (n *Node) Run(ctx context.Context) error {
	s := n.settings
	release, err := claimPID(s.Prefix)
	if err != nil {
		return err
	}
	defer release()
	n.log.Log(ctx, config.LevelNotice, "starting Gantry", "version", version.Version, "role", s.Role, "database", s.Database,
		"prefix", s.Prefix, "node_id", n.id, "pid", os.Getpid())
	n.log.Debug("settings", "configuration", s.Redacted())
	if err := n.load(ctx, n.src()); err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	sets, err := n.bindListeners(ctx)
	if err != nil {
		return err
	}
	ls := &Listeners{Proxy: bounds(sets.proxy), Admin: bounds(sets.admin), Status: bounds(sets.status), Cluster: bounds(sets.cluster)}
	if err := writeListeners(s.Prefix, ls); err != nil {
		sets.closeAll()
		return fmt.Errorf("cannot write %s: %w", filepath.Join(s.Prefix, ListenersFile), err)
	}
	defer os.Remove(filepath.Join(s.Prefix, ListenersFile))
	n.logListeners(ls)
	n.ls.Store(ls)

	servers, err := n.httpServers(sets)
	if err != nil {
		sets.closeAll()
		return err
	}
	var wg sync.WaitGroup
	failed := make(chan error, len(sets.proxy)+len(servers)+1)
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	if err := n.startCluster(bgCtx, sets.cluster, &wg, failed); err != nil {
		sets.closeAll()
		return err
	}
	for _, ln := range sets.proxy {
		wg.Go(func() { report(failed, n.engine.serve(ln)) })
	}
	for _, srv := range servers {
		wg.Go(func() { report(failed, srv.serve()) })
	}
	n.watch(bgCtx, &wg)
	close(n.bound)

	var runErr error
	select {
	case <-ctx.Done():
		n.log.Log(ctx, config.LevelNotice, "stopping: draining in-flight requests", "drain_timeout", s.DrainTimeout)
	case runErr = <-failed:
		n.log.Error("a listener or the cluster work failed, stopping", "error", runErr)
	}
	stopBackground()
	n.shutdown(servers)
	wg.Wait()
	n.engine.close()
	n.log.Log(ctx, config.LevelNotice, "stopped")
	return runErr
}

// load reads src, builds and swaps a snapshot, and counts the outcome. At
// start its error stops the node; later Reload wraps it.
func (n *Node) load(ctx context.Context, src ConfigSource) error {
	n.reloadMu.Lock()
	defer n.reloadMu.Unlock()
	cfg, k, err := loadKnown(ctx, src)
	if err == nil {
		err = n.engine.apply(cfg, k)
	}
	if err != nil {
		n.metrics.reloads.WithLabelValues("failed").Inc()
		return err
	}
	n.metrics.reloads.WithLabelValues("ok").Inc()
	hash := n.hash()
	n.metrics.setHash(hash)
	n.log.Log(ctx, config.LevelNotice, "configuration loaded", "source", src.Describe(), "hash", hash, "empty", n.empty())
	return nil
}

// shutdown stops accepting on the proxy and admin listeners and waits up to
// drain_timeout for in-flight requests. The status listener stays up until
// then, answering 503 on /status/ready, so load balancers see the node leave.
func (n *Node) shutdown(servers []*httpServer) {
	n.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), n.settings.DrainTimeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := n.engine.shutdown(ctx); err != nil {
			n.log.Warn("drain timed out, closing remaining connections", "drain_timeout", n.settings.DrainTimeout, "error", err)
		}
	})
	var status []*httpServer
	for _, srv := range servers {
		if srv.component == "status" {
			status = append(status, srv)
			continue
		}
		wg.Go(func() { _ = srv.Shutdown(ctx) })
	}
	wg.Wait()
	for _, srv := range status {
		wg.Go(func() { _ = srv.Shutdown(ctx) })
	}
	wg.Wait()
}

func (n *Node) logListeners(ls *Listeners) {
	sets := []struct {
		kind string
		set  []Bound
	}{{"proxy", ls.Proxy}, {"admin", ls.Admin}, {"status", ls.Status}, {"cluster", ls.Cluster}}
	for _, s := range sets {
		for _, b := range s.set {
			n.log.Log(context.Background(), config.LevelNotice, "listening", "listener", s.kind, "address", b.Address, "ssl", b.SSL, "http2", b.HTTP2)
		}
	}
}

// readHeaderTimeout protects the status and admin listeners from slow clients.
const readHeaderTimeout = 10 * time.Second
