package dp

import (
	"context"
	"testing"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
)

// TestDeltaTakesTheHashOnlyWhenTheTreeMatches: a delta whose result has
// the tree the control plane announced is applied under the announced
// hash; one whose result does not (the push's tree and hash are another
// configuration's) is not applied, and the data plane asks for the whole
// configuration, keeping its own.
func TestDeltaTakesTheHashOnlyWhenTheTreeMatches(t *testing.T) {
	t.Parallel()
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer codec.Close()
	base, next, other := bigConfig(20), bigConfig(20), bigConfig(20)
	next.Routes[0].Paths = []string{"/next"}
	other.Routes[0].Paths = []string{"/other"}
	full, err := codec.EncodeFull(1, base.Hash(), base)
	if err != nil {
		t.Fatal(err)
	}
	delta, err := codec.EncodeDelta(2, next.Hash(), deltaOf(t, base, next))
	if err != nil {
		t.Fatal(err)
	}
	push := func(hash, tree string) *clusterpb.ConfigPush {
		return &clusterpb.ConfigPush{Version: 2, Hash: hash, Tree: tree, Delta: true, BaseVersion: 1, BaseHash: base.Hash(),
			Payload: delta.Payload, Checksum: delta.Checksum}
	}
	for _, tt := range []struct {
		name       string
		push       *clusterpb.ConfigPush
		wantResync bool
	}{
		{"matching tree", push(next.Hash(), next.Digest().Tree), false},
		{"another configuration's tree and hash", push(other.Hash(), other.Digest().Tree), true},
		{"no tree", push(next.Hash(), ""), false},
		// The hash comparison itself, with no tree to stand in for it.
		{"another configuration's hash, no tree", push(other.Hash(), ""), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := testAgent(t)
			if res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: 1, Hash: full.Hash, Payload: full.Payload, Checksum: full.Checksum}); !res.Ok {
				t.Fatalf("full push: %+v", res)
			}
			res := a.applyPush(context.Background(), tt.push)
			if res.Resync != tt.wantResync {
				t.Fatalf("resync = %v, want %v (%+v)", res.Resync, tt.wantResync, res)
			}
			want := next
			if tt.wantResync {
				want = base
			}
			if got := a.current(); got.hash() != want.Hash() || got.cfg.Config().Hash() != want.Hash() {
				t.Fatalf("running hash %s (config %s), want %s", got.hash(), got.cfg.Config().Hash(), want.Hash())
			}
		})
	}
}
