package dp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestCacheKeepsDeltasAndRestartsFromThem: after a full push and a series
// of deltas, a data plane restarted on the same prefix without a control
// plane runs exactly the last configuration, whether the cache still
// chains the deltas or had to be written in full.
func TestCacheKeepsDeltasAndRestartsFromThem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		deltas    int
		wantChain int // deltas the cache file holds at the end
	}{
		{"a few deltas stay a chain", 3, 3},
		{"a long chain is written in full", 40, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			a := testAgentAt(t, dir)
			cfg := pushChain(t, a, 200, tt.deltas)
			if err := a.file.flush(); err != nil {
				t.Fatal(err)
			}
			if c, err := wire.ReadCache(a.cachePath()); err != nil || tt.wantChain >= 0 && len(c.Deltas) != tt.wantChain ||
				tt.wantChain < 0 && len(c.Deltas) >= tt.deltas {
				t.Fatalf("cache holds %d deltas (%v), want %d", len(c.Deltas), err, tt.wantChain)
			}
			restarted := testAgentAt(t, dir)
			if got := restarted.current(); got.hash() != cfg.Hash() || got.version != int64(tt.deltas+1) {
				t.Fatalf("restarted from the cache at version %d hash %s; want %d %s", got.version, got.hash(), tt.deltas+1, cfg.Hash())
			}
			if src := restarted.Status().Source; src != "cache" {
				t.Fatalf("restarted from %q, want the cache", src)
			}
		})
	}
}

// addRouteDelta returns cfg plus route i, the delta i+2 bringing cfg there.
func addRouteDelta(t testing.TB, codec *wire.Codec, cfg *entity.Config, i int) (*entity.Config, *wire.Encoded) {
	t.Helper()
	next := *cfg
	r := entity.NewRoute()
	r.ID, r.Paths, r.Service = fmt.Sprintf("20000000-0000-4000-8000-%012d", i), []string{fmt.Sprintf("/d%d", i)}, cfg.Routes[0].Service
	next.Routes = append(append([]*entity.Route{}, cfg.Routes...), r)
	enc, err := codec.EncodeDelta(int64(i+2), next.Hash(), deltaOf(t, cfg, &next))
	if err != nil {
		t.Fatal(err)
	}
	return &next, enc
}

// TestCacheFileFollowsApplies: the config cache file is written after the
// applies, not during them; several applies within the delay are written
// once, the last; a stopping agent writes what is pending. Status says
// which version the file holds throughout.
func TestCacheFileFollowsApplies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := testAgentAt(t, dir)
	a.file.delay = time.Hour
	cfg := pushChain(t, a, 50, 2)
	if _, err := wire.ReadCache(a.cachePath()); !errors.Is(err, wire.ErrNoCache) {
		t.Fatalf("the cache file was written during the applies: %v", err)
	}
	if st := a.Status(); st.ConfigVersion != 3 || st.CacheVersion != 0 || st.CacheHash != "" {
		t.Fatalf("status before the file is written: running %d, cache %d %q; want 3, 0, none", st.ConfigVersion, st.CacheVersion, st.CacheHash)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pipe, _ := pipelinetest.Pipeline()
	if err := a.Run(ctx, pipe); err != nil {
		t.Fatal(err)
	}
	c, err := wire.ReadCache(a.cachePath())
	if err != nil || c.Version != 3 || c.Hash != cfg.Hash() || len(c.Deltas) != 2 {
		t.Fatalf("after the agent stopped the cache holds %+v (%v); want version 3 with 2 deltas", c, err)
	}
	if st := a.Status(); st.CacheVersion != 3 || st.CacheHash != cfg.Hash() {
		t.Fatalf("status once the file is written: cache %d %q, want 3 %s", st.CacheVersion, st.CacheHash, cfg.Hash())
	}
	if st := testAgentAt(t, dir).Status(); st.Source != "cache" || st.CacheVersion != 3 || st.CacheHash != cfg.Hash() {
		t.Fatalf("status of a node started from the cache: %+v", st)
	}

	// With a short delay the file follows by itself.
	b := testAgentAt(t, t.TempDir())
	b.file.delay = 10 * time.Millisecond
	pushChain(t, b, 50, 0)
	testutil.Eventually(t, "the cache file is written", 10*time.Second, func() bool {
		c, err := wire.ReadCache(b.cachePath())
		return err == nil && c.Version == 1
	})
}

// pushChain applies to a a full push of bigConfig(routes), version 1,
// then deltas one-route deltas, and returns the config they make.
func pushChain(t *testing.T, a *Agent, routes, deltas int) *entity.Config {
	t.Helper()
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(codec.Close)
	cfg := bigConfig(routes)
	full, err := codec.EncodeFull(1, cfg.Hash(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: 1, Hash: full.Hash, Payload: full.Payload, Checksum: full.Checksum}); !res.Ok {
		t.Fatalf("full push: %+v", res)
	}
	for i := range deltas {
		next, enc := addRouteDelta(t, codec, cfg, i)
		res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: enc.Version, Hash: enc.Hash, Delta: true,
			BaseVersion: int64(i + 1), BaseHash: cfg.Hash(), Payload: enc.Payload, Checksum: enc.Checksum})
		if !res.Ok || res.Resync {
			t.Fatalf("delta %d: %+v", i, res)
		}
		cfg = next
	}
	return cfg
}

// deltaOf is the delta that turns from into to, worked out as a control
// plane does (wire.DiffDigests).
func deltaOf(t testing.TB, from, to *entity.Config) *wire.Delta {
	t.Helper()
	d, ok, err := wire.DiffDigests(from.DigestCached(&entity.DigestCache{}), to.DigestCached(&entity.DigestCache{}))
	if !ok || err != nil {
		t.Fatalf("delta: ok %v, %v", ok, err)
	}
	return d
}
