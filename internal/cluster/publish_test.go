package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/testutil"
)

// readCountingStore counts the reads a control plane could make of the
// configuration: exports and change-feed subscriptions.
type readCountingStore struct {
	store.Store
	exports, subscriptions atomic.Int32
}

func (s *readCountingStore) Export(ctx context.Context) (*entity.Config, error) {
	s.exports.Add(1)
	return s.Store.Export(ctx)
}

func (s *readCountingStore) Changes(ctx context.Context) <-chan int64 {
	s.subscriptions.Add(1)
	return s.Store.Changes(ctx)
}

// servicesAndRoutes returns a validated config of n services, each with
// one route on /<prefix><i>.
func servicesAndRoutes(t testing.TB, prefix string, n int) *entity.Config {
	t.Helper()
	cfg := &entity.Config{}
	for i := range n {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		s.SetTimestamps(1700000000)
		r := entity.NewRoute()
		r.ID, r.Paths, r.Service = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), []string{fmt.Sprintf("/%s%d", prefix, i)}, &entity.Ref{ID: s.ID}
		r.SetTimestamps(1700000000)
		cfg.Services, cfg.Routes = append(cfg.Services, s), append(cfg.Routes, r)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCallerPublishedConfigReachesDataPlanes: a control plane fed by its
// node's pipeline pushes what Publish hands it, full then as a delta, and
// never reads the configuration from the store itself, whatever is
// written there.
func TestCallerPublishedConfigReachesDataPlanes(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	st := &readCountingStore{Store: newStore(t)}
	addServiceRoute(t, st, "in-store", "/in-store")
	c := startCPUnfed(t, st, cert)
	d := startDP(t, []string{c.addr}, cert)
	testutil.Eventually(t, "data plane connected", 5*time.Second, func() bool { r, ok := row(c, d.id); return ok && r.Connected })
	if n, h := c.Current(); n != 0 || h != "" {
		t.Fatalf("Current() = %d, %q before any Publish, want nothing", n, h)
	}

	first := servicesAndRoutes(t, "a", 20)
	if err := c.Publish(t.Context(), first, first.Digest(), 5); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "data plane runs the first published config", 5*time.Second, func() bool { return d.hash() == first.Hash() })
	if n, h := c.Current(); n != 5 || h != first.Hash() {
		t.Fatalf("Current() = %d, %q, want 5, %q", n, h, first.Hash())
	}

	addServiceRoute(t, st, "also-in-store", "/also-in-store")
	second := servicesAndRoutes(t, "a", 20)
	second.Routes[3].Paths = []string{"/changed"}
	// A revision not above the current version's still makes a newer version.
	if err := c.Publish(t.Context(), second, second.Digest(), 4); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "data plane runs the second published config", 5*time.Second, func() bool { return d.hash() == second.Hash() })
	if n, _ := c.Current(); n != 6 {
		t.Errorf("version after publishing revision 4 on top of 5 = %d, want 6", n)
	}
	if !strings.Contains(c.logs.String(), "delta=true") {
		t.Error("the second version did not reach the data plane as a delta")
	}
	if _, r := d.snaps.Load().Match(&router.Request{Method: "GET", Path: "/changed", Host: "x"}); r == nil {
		t.Error("data plane does not route /changed")
	}
	if _, r := d.snaps.Load().Match(&router.Request{Method: "GET", Path: "/in-store", Host: "x"}); r != nil {
		t.Error("data plane routes /in-store, which was only written to the store")
	}
	if n, m := st.exports.Load(), st.subscriptions.Load(); n != 0 || m != 0 {
		t.Errorf("control plane exported the store %d times and followed its changes %d times, want neither", n, m)
	}
}

// TestPublishAfterStopFails: once Run has returned, Publish reports it
// rather than encoding with a closed codec.
func TestPublishAfterStopFails(t *testing.T) {
	t.Parallel()
	c := startCPUnfed(t, newStore(t), newCert(t))
	stopCP(t, c)
	cfg := servicesAndRoutes(t, "a", 1)
	if err := c.Publish(t.Context(), cfg, cfg.Digest(), 1); err == nil {
		t.Fatal("Publish after Run returned succeeded")
	}
}
