package cp

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/fleetsim"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// tenThousandRoutes is 1,000 services and 10,000 routes, timestamped as a
// store exports them.
func tenThousandRoutes() *entity.Config { return servicesAndRoutes(1000, 10000) }

// servicesAndRoutes is services services and routes routes spread over
// them, timestamped as a store exports them.
func servicesAndRoutes(services, routes int) *entity.Config {
	return fleetsim.Config(services, routes, 0)
}

// newTestCP is a control plane that builds versions but serves nothing.
func newTestCP(tb testing.TB, opts Options) *ControlPlane {
	tb.Helper()
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(codec.Close)
	opts.MaxPayload = 16 << 20
	return &ControlPlane{opts: opts, log: discard(), codec: codec, hist: &history{max: 16}}
}

// publishExport publishes what st exports, digested with a fresh cache as
// a control plane's database provider has it digested when it checks it
// (database.Provider.KeepEncodings).
func publishExport(ctx context.Context, c *ControlPlane, st store.Store) error {
	cfg, rev, err := st.(store.RevisionExporter).ExportRevision(ctx)
	if err != nil {
		return err
	}
	return c.Publish(ctx, cfg, cfg.DigestCached(&entity.DigestCache{}), rev)
}

// BenchmarkBuildVersion10kRoutes measures what a control plane's node does
// once per configuration change for a 10,000-route configuration: export
// the store, hash it, encode and compress the full payload, and
// index it for deltas. Every data plane then receives the same bytes.
func BenchmarkBuildVersion10kRoutes(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Import(ctx, tenThousandRoutes()); err != nil {
		b.Fatal(err)
	}
	base := newTestCP(b, Options{Store: st})
	for b.Loop() {
		// A new control plane each time, so every iteration builds a version.
		c := &ControlPlane{opts: base.opts, log: base.log, codec: base.codec, hist: &history{max: 16}}
		if err := publishExport(ctx, c, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublish10kRoutes measures a version built from a configuration
// the node's pipeline hands over, digest included, when no entity is shared
// with the previous version (a node's first version, or a pipeline that
// exports fresh entities every time): with a digest made by cfg.Digest, and
// by cfg.DigestCached, whose encodings the version reuses.
func BenchmarkPublish10kRoutes(b *testing.B) {
	digests := []struct {
		name   string
		digest func(*entity.Config) entity.Digest
	}{
		{"digest=plain", (*entity.Config).Digest},
		{"digest=cached", func(cfg *entity.Config) entity.Digest { return cfg.DigestCached(&entity.DigestCache{}) }},
	}
	for _, d := range digests {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			cfg := tenThousandRoutes()
			base := newTestCP(b, Options{})
			for b.Loop() {
				// A new control plane each time: nothing to reuse.
				c := &ControlPlane{opts: base.opts, log: base.log, codec: base.codec, hist: &history{max: 16}}
				if err := c.Publish(ctx, cfg, d.digest(cfg), 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublishOneChange10kRoutes measures the steady state: each
// version changes one route of 10,000 and shares every other entity with
// the previous one, digested with a cache as a pipeline does, and builds the
// full payload a new data plane asks for (built once per version, on first
// use); without and with its signature (ECDSA P-384, the key of gen_cert),
// so their ratio is the cost of signing.
func BenchmarkPublishOneChange10kRoutes(b *testing.B) {
	for _, signed := range []bool{false, true} {
		b.Run(fmt.Sprintf("signed=%t", signed), func(b *testing.B) {
			ctx := context.Background()
			cfg := tenThousandRoutes()
			opts := Options{}
			if signed {
				opts.Cert = testCert(b)
			}
			c := newTestCP(b, opts)
			var cache entity.DigestCache
			if err := c.Publish(ctx, cfg, cfg.DigestCached(&cache), 1); err != nil {
				b.Fatal(err)
			}
			rev := int64(1)
			for b.Loop() {
				rev++
				next := *cfg
				next.Routes = append([]*entity.Route(nil), cfg.Routes...)
				i := int(rev) % len(next.Routes)
				r := *next.Routes[i]
				r.Paths = []string{fmt.Sprintf("/v%d", rev)}
				next.Routes[i] = &r
				if err := c.Publish(ctx, &next, next.DigestCached(&cache), rev); err != nil {
					b.Fatal(err)
				}
				// A new data plane's full payload: built, and signed, on
				// first use.
				if full := c.fullPayload(c.hist.current()); signed != (full.sig != nil) {
					b.Fatalf("version %d: signed %t", rev, full.sig != nil)
				}
				cfg = &next
			}
		})
	}
}

// testCert is a cluster certificate made as `gantry hybrid gen_cert` does.
func testCert(tb testing.TB) *clustertls.Cert {
	tb.Helper()
	dir := tb.TempDir()
	if err := clustertls.GenCert(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"), 1, time.Now()); err != nil {
		tb.Fatal(err)
	}
	cert, err := clustertls.Load(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"))
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// BenchmarkSignVersion10kRoutes measures what signing adds to a version of
// 10,000 routes: the digest of the full payload and its ECDSA P-384
// signature, made once per version (and once per delta and base).
func BenchmarkSignVersion10kRoutes(b *testing.B) {
	cfg := tenThousandRoutes()
	c := newTestCP(b, Options{Cert: testCert(b)})
	if err := c.Publish(context.Background(), cfg, cfg.Digest(), 1); err != nil {
		b.Fatal(err)
	}
	full := c.fullPayload(c.hist.current())
	b.ReportMetric(float64(len(full.Payload)), "payload-bytes")
	for b.Loop() {
		if s := c.sign(full.Encoded); s.sig == nil {
			b.Fatal("not signed")
		}
	}
}
