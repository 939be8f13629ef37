package cp

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// counter, in a plugin's config, counts how many times that plugin is
// JSON-encoded, whichever code encodes it.
type counter struct{ n *atomic.Int32 }

func (c counter) MarshalJSON() ([]byte, error) {
	c.n.Add(1)
	return []byte(`"counted"`), nil
}

func countedPlugin(i int) (*entity.Plugin, *atomic.Int32) {
	n := new(atomic.Int32)
	p := entity.NewPlugin()
	p.ID, p.Name = fmt.Sprintf("20000000-0000-4000-8000-%012d", i), "cors"
	p.Config = map[string]any{"counter": counter{n}}
	p.SetTimestamps(1700000000 + int64(i))
	return p, n
}

// countedConfig is n plugins, each counting its encodings, among services
// and routes.
func countedConfig(n int) (*entity.Config, []*atomic.Int32) {
	cfg := servicesAndRoutes(n, n)
	counts := make([]*atomic.Int32, n)
	for i := range n {
		var p *entity.Plugin
		p, counts[i] = countedPlugin(i)
		cfg.Plugins = append(cfg.Plugins, p)
	}
	return cfg, counts
}

func wantCounts(t *testing.T, what string, counts []*atomic.Int32, want int32) {
	t.Helper()
	for i, n := range counts {
		if got := n.Load(); got != want {
			t.Fatalf("%s: plugin %d was encoded %d times, want %d", what, i, got, want)
		}
	}
}

// TestPublishEncodesEachEntityOnce: the digest, the full payload and the
// delta index of a version share one encoding per entity, and a version
// does not encode again the entities it shares with the previous one.
func TestPublishEncodesEachEntityOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("digest made with a cache", func(t *testing.T) {
		t.Parallel()
		c := newTestCP(t, Options{})
		var cache entity.DigestCache
		cfg, counts := countedConfig(50)
		if err := c.Publish(ctx, cfg, cfg.DigestCached(&cache), 1); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, "first version", counts, 1)

		next := *cfg
		next.Plugins = append([]*entity.Plugin(nil), cfg.Plugins...)
		changed, n := countedPlugin(7)
		changed.Enabled = false
		next.Plugins[7] = changed
		v1 := c.hist.current()
		if err := c.Publish(ctx, &next, next.DigestCached(&cache), 2); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, "second version, unchanged plugins", append(counts[:7:7], counts[8:]...), 1)
		wantCounts(t, "second version, changed plugin", []*atomic.Int32{n}, 1)
		v2 := c.hist.current()
		if v2 == v1 {
			t.Fatal("a changed plugin made no new version")
		}
		if diff, ok, err := wire.DiffDigests(v1.digest, v2.digest); !ok || err != nil || diff.Size() != 1 {
			t.Fatalf("delta between the versions: %v, %v, %+v; want one change", ok, err, diff)
		}
	})
	t.Run("digest made without a cache", func(t *testing.T) {
		t.Parallel()
		c := newTestCP(t, Options{})
		cfg, counts := countedConfig(50)
		if err := c.Publish(ctx, cfg, cfg.Digest(), 1); err != nil {
			t.Fatal(err)
		}
		// Once for the caller's digest, once for the version.
		wantCounts(t, "version", counts, 2)
	})
	t.Run("store export digested with a cache", func(t *testing.T) {
		t.Parallel()
		cfg, counts := countedConfig(50)
		st := &fixedStore{cfg: cfg}
		c := newTestCP(t, Options{Store: st})
		if err := publishExport(ctx, c, st); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, "version built from an export", counts, 1)
	})
}

// fixedStore exports copies of cfg's entities, new every time as a
// store's are, at revision 1.
type fixedStore struct {
	store.Store // nil: publishExport calls only ExportRevision
	cfg         *entity.Config
}

func (s *fixedStore) ExportRevision(context.Context) (*entity.Config, int64, error) {
	out := &entity.Config{}
	s.cfg.Each(func(e entity.Entity) {
		switch v := e.(type) {
		case *entity.Service:
			c := *v
			out.Add(&c)
		case *entity.Route:
			c := *v
			out.Add(&c)
		case *entity.Plugin:
			c := *v
			out.Add(&c)
		}
	})
	return out, 1, nil
}

// TestVersionSizeIsTheFullPayloads: the size a version records (checked
// against cluster_max_config_size before anything is built) is the full
// payload's, decompressed, within the few bytes per kind a missing kind's
// key would take.
func TestVersionSizeIsTheFullPayloads(t *testing.T) {
	t.Parallel()
	c := newTestCP(t, Options{})
	var cache entity.DigestCache
	cfg, _ := countedConfig(50)
	if err := c.Publish(context.Background(), cfg, cfg.DigestCached(&cache), 1); err != nil {
		t.Fatal(err)
	}
	v := c.hist.current()
	full := c.fullPayload(v)
	slack := 64
	for _, k := range entity.Kinds {
		slack += len(k) + 6
	}
	if v.count != 50*3 || v.size < full.Size || v.size > full.Size+slack {
		t.Fatalf("version: %d entities, size %d; the full payload is %d bytes (want size within %d above)", v.count, v.size, full.Size, slack)
	}
}
