package entity

import (
	"slices"
	"testing"
)

func TestDigestMatchesHashAndTellsKindsApart(t *testing.T) {
	cfg := &Config{}
	s := NewService()
	s.ID, s.Host = "00000000-0000-4000-8000-000000000001", "example.com"
	r := NewRoute()
	r.ID, r.Paths, r.Service = "00000000-0000-4000-8000-000000000002", []string{"/a"}, &Ref{ID: s.ID}
	cfg.Services, cfg.Routes = []*Service{s}, []*Route{r}
	d := cfg.Digest()
	if d.Hash != cfg.Hash() {
		t.Fatalf("Digest().Hash = %s, Hash() = %s", d.Hash, cfg.Hash())
	}
	r2 := *r
	r2.Paths = []string{"/b"}
	next := &Config{Services: cfg.Services, Routes: []*Route{&r2}}
	n := next.Digest()
	if n.Hash == d.Hash || n.Same(d, KindRoute) {
		t.Fatal("a changed route path left the hash or the routes digest unchanged")
	}
	if !n.Same(d, KindService, KindUpstream, KindPlugin) {
		t.Fatal("kinds that did not change have different digests")
	}
	if (Digest{Hash: d.Hash}).Same(d) {
		t.Fatal("a digest without kinds counts as the same")
	}
}

func TestCheckChangedChecksOnlyChangedFieldsButAllReferences(t *testing.T) {
	bad := NewRoute()
	bad.ID, bad.Paths = "00000000-0000-4000-8000-000000000003", []string{"no-leading-slash"}
	dangling := NewRoute()
	dangling.ID, dangling.Paths, dangling.Service = "00000000-0000-4000-8000-000000000004", []string{"/x"}, &Ref{ID: "00000000-0000-4000-8000-0000000000ff"}
	tests := []struct {
		name    string
		routes  []*Route
		changed func(Entity) bool
		wantErr bool
	}{
		{"unchanged bad field is trusted", []*Route{bad}, func(Entity) bool { return false }, false},
		{"changed bad field is refused", []*Route{bad}, func(e Entity) bool { return e == Entity(bad) }, true},
		{"dangling reference is refused even unchanged", []*Route{dangling}, func(Entity) bool { return false }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Config{Routes: tt.routes}).Check(Checks{Changed: tt.changed})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Check() = %v, want error %t", err, tt.wantErr)
			}
		})
	}
}

func TestDigestCachedMatchesDigest(t *testing.T) {
	s := NewService()
	s.ID, s.Host = "00000000-0000-4000-8000-000000000001", "example.com"
	r := NewRoute()
	r.ID, r.Paths, r.Service = "00000000-0000-4000-8000-000000000002", []string{"/a"}, &Ref{ID: s.ID}
	r.CreatedAt = 1700000000
	first := &Config{Services: []*Service{s}, Routes: []*Route{r}}
	moved := *r
	moved.Paths = []string{"/b"}
	second := &Config{Services: []*Service{s}, Routes: []*Route{&moved}} // shares the service
	for _, sumsOnly := range []bool{false, true} {
		cache := DigestCache{SumsOnly: sumsOnly}
		last := validConfig(t)
		n := 0
		last.Each(func(Entity) { n++ })
		for _, cfg := range []*Config{first, second, first, last} {
			got, want := cfg.DigestCached(&cache), cfg.Digest()
			if got.Hash != want.Hash || got.Hash != cfg.Hash() || got.Tree != want.Tree || !got.Same(want, Kinds...) {
				t.Fatalf("SumsOnly %v: DigestCached = %+v, want %+v", sumsOnly, got, want)
			}
			if _, ok := got.Encoding(cfg.Routes[0]); ok == sumsOnly {
				t.Fatalf("SumsOnly %v: the digest has an encoding: %v", sumsOnly, ok)
			}
		}
		held, encs := 0, 0
		for _, kd := range cache.kinds {
			held += len(kd.order)
			encs += len(kd.encs)
		}
		if held != n || sumsOnly && encs != 0 || !sumsOnly && encs != n {
			t.Fatalf("SumsOnly %v: cache holds %d entities and %d encodings after the last digest, want its %d", sumsOnly, held, encs, n)
		}
	}
}

// TestTreeFollowsTheHash: the tree is equal where the hash is (another
// order, timestamps) and differs where it does; a claim is taken only when
// its tree is the one computed.
func TestTreeFollowsTheHash(t *testing.T) {
	a, b := validConfig(t), validConfig(t)
	b.Certificates, b.SNIs = a.Certificates, a.SNIs // fresh certificates differ
	slices.Reverse(b.Routes)
	b.Services[0].SetTimestamps(1700000000)
	if a.Hash() != b.Hash() || a.Digest().Tree != b.Digest().Tree {
		t.Fatalf("same config: hashes %s %s, trees %s %s", a.Hash(), b.Hash(), a.Digest().Tree, b.Digest().Tree)
	}
	b.Routes[0].Paths = []string{"/elsewhere"}
	if a.Digest().Tree == b.Digest().Tree {
		t.Fatal("a changed route path left the tree unchanged")
	}
	tree := b.Digest().Tree
	for _, tt := range []struct {
		name  string
		claim Claim
		want  string
	}{
		{"matching tree", Claim{Hash: "claimed", Tree: tree}, "claimed"},
		{"another tree", Claim{Hash: "claimed", Tree: a.Digest().Tree}, b.Hash()},
		{"no tree", Claim{Hash: "claimed"}, b.Hash()},
	} {
		v, err := b.Check(Checks{Claim: tt.claim})
		if err != nil {
			t.Fatal(err)
		}
		if v.Hash() != tt.want {
			t.Errorf("%s: hash %s, want %s", tt.name, v.Hash(), tt.want)
		}
	}
}
