package entity

import "testing"

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
	var cache DigestCache
	for _, cfg := range []*Config{first, second, first} {
		if got, want := cfg.DigestCached(&cache), cfg.Digest(); got.Hash != want.Hash || got.Hash != cfg.Hash() || !got.Same(want, Kinds...) {
			t.Fatalf("DigestCached = %+v, want %+v", got, want)
		}
	}
	if len(cache.last) != 2 {
		t.Fatalf("cache holds %d entities after the last digest, want its 2", len(cache.last))
	}
}
