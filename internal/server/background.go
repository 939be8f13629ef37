package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/snapshot"
)

// Work the node runs next to its listeners: the source's change feed and
// the hybrid-mode cluster work. Each goroutine is owned by Run, which
// cancels it when the node stops and waits for it.

// watch runs the source's Watcher, if any, turning each change into a
// Reload. Changes during a reload coalesce into one more reload.
func (n *Node) watch(ctx context.Context, wg *sync.WaitGroup) {
	src := n.src()
	w, ok := src.(Watcher)
	if !ok {
		return
	}
	kick := make(chan struct{}, 1)
	wg.Go(func() {
		err := w.Watch(ctx, func() {
			select {
			case kick <- struct{}{}:
			default:
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			n.log.Error("configuration watch stopped", "source", src.Describe(), "error", err)
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
				start := time.Now()
				if err := n.Reload(ctx); err != nil {
					n.log.Error(err.Error())
				}
				// Changes arriving meanwhile wait in kick and are
				// applied together (latest wins) after a pause that
				// keeps rebuilds from crowding out requests (docs/design.md, "Pacing").
				pause := time.NewTimer(snapshot.PaceAfter(time.Since(start)))
				select {
				case <-ctx.Done():
					pause.Stop()
					return
				case <-pause.C:
				}
			}
		}
	})
}

// startCluster runs the Cluster hook's work until ctx ends; its early
// failure stops the node like a failed listener.
func (n *Node) startCluster(ctx context.Context, lns []listener, wg *sync.WaitGroup, failed chan<- error) error {
	if n.opts.Cluster == nil {
		return nil
	}
	raw := make([]net.Listener, len(lns))
	for i, l := range lns {
		raw[i] = l.Listener
	}
	run, err := n.opts.Cluster(n, raw)
	if err != nil {
		for _, l := range raw {
			l.Close()
		}
		return fmt.Errorf("cannot start hybrid mode: %w", err)
	}
	wg.Go(func() { report(failed, run(ctx)) })
	return nil
}

// report passes a serve error on, ignoring the normal end of serving.
func report(ch chan<- error, err error) {
	if err == nil || errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) {
		return
	}
	select {
	case ch <- err:
	default:
	}
}
