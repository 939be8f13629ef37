package cp

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

// TestEveryDataPlaneGetsTheSameBytes: a version is encoded once; data
// planes at the same base get the very same payload (full or delta), so
// the CP's work per change does not grow with the number of DPs.
func TestEveryDataPlaneGetsTheSameBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cp.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(codec.Close)
	c := &ControlPlane{opts: Options{Store: st, Cert: testCert(t), MaxPayload: 1 << 20}, log: discard(), codec: codec, hist: &history{max: 16}}
	add := func(name string) *version {
		t.Helper()
		s := entity.NewService()
		s.Name, s.Host = name, "example.com"
		s.ID = uuid.NewString()
		if err := st.Insert(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := publishExport(ctx, c, st); err != nil {
			t.Fatal(err)
		}
		return c.hist.current()
	}
	for i := range 20 {
		add(string(rune('a' + i)))
	}
	v1 := c.hist.current()
	v2 := add("last")
	// Only the current version keeps what building its full payload
	// needs, and nothing built it yet: no data plane asked.
	if v1.full.Encoded != nil || v1.cfg != nil || v2.full.Encoded != nil || v2.cfg == nil {
		t.Fatal("a full payload was built before a data plane needed it, or the previous version kept its inputs")
	}
	delta, ok := c.payloadFor(v2, v1.n, v1.hash)
	if !ok || delta.Encoded == nil || v2.full.Encoded != nil {
		t.Fatal("a data plane one version behind did not get a delta alone")
	}
	full1, d1 := c.payloadFor(v2, 0, "")
	full2, d2 := c.payloadFor(v2, 0, "")
	if d1 || d2 || full1.Encoded == nil || full1.Encoded != full2.Encoded || !sameSig(full1, full2) || v2.cfg != nil {
		t.Fatal("two new data planes got separately encoded or signed full payloads")
	}
	delta1, ok1 := c.payloadFor(v2, v1.n, v1.hash)
	delta2, ok2 := c.payloadFor(v2, v1.n, v1.hash)
	if !ok1 || !ok2 || delta1.Encoded != delta2.Encoded || !sameSig(delta1, delta2) {
		t.Fatalf("two data planes one version behind got deltas %v/%v, same=%t", ok1, ok2, delta1.Encoded == delta2.Encoded)
	}
	for _, p := range []signed{full1, delta1} {
		if err := clustertls.VerifySignature(c.opts.Cert.Leaf, wire.SignedDigest(p.Version, p.Hash, p.Payload), p.sig); err != nil {
			t.Fatalf("payload of version %d: %v", p.Version, err)
		}
	}
}

// sameSig reports whether a and b carry the very same signature: signed once.
func sameSig(a, b signed) bool { return len(a.sig) > 0 && &a.sig[0] == &b.sig[0] }
