package entity

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestMarshalFromCanonicalIsJSONMarshal: for every kind, the JSON Marshal
// makes from a digest's canonical encoding is byte for byte what
// json.Marshal writes, and MarshalSize its length, whatever the id, the
// timestamps and the fields that look like them inside the entity.
func TestMarshalFromCanonicalIsJSONMarshal(t *testing.T) {
	t.Parallel()
	ids := map[string]string{
		"uuid":            "00000000-0000-4000-8000-000000000001",
		"escaped":         `a"b\c<d>&é` + "\u2028",
		"empty (omitted)": "",
	}
	stamps := map[string][2]int64{
		"both":         {1700000000, 1700000500},
		"created only": {1700000000, 0},
		"updated only": {0, 1700000500},
		"none":         {0, 0},
		"negative":     {-1, -2},
	}
	for _, k := range Kinds {
		for idName, id := range ids {
			for stampName, ts := range stamps {
				t.Run(string(k)+"/"+idName+"/"+stampName, func(t *testing.T) {
					t.Parallel()
					e := New(k)
					e.SetID(id)
					m := e.(interface{ meta() *Meta }).meta()
					m.CreatedAt, m.UpdatedAt = ts[0], ts[1]
					if p, ok := e.(*Plugin); ok {
						p.Name, p.Config = "x", map[string]any{"id": "inner", "created_at": 5, "nested": map[string]any{"updated_at": "<&>"}}
					}
					checkMarshal(t, e)
				})
			}
		}
	}
	t.Run("tags and no other field", func(t *testing.T) {
		t.Parallel()
		checkMarshal(t, &ACL{Meta: Meta{CreatedAt: 1, Tags: []string{"t"}}})
		checkMarshal(t, &ACL{Meta: Meta{UpdatedAt: 1}})
	})
}

func checkMarshal(t *testing.T, e Entity) {
	t.Helper()
	cfg := &Config{}
	cfg.Add(e)
	d := cfg.DigestCached(&DigestCache{})
	canon, ok := d.Encoding(e)
	if !ok {
		t.Fatal("a digest made with a cache has no encoding of its entity")
	}
	got, err := Marshal(e, canon)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal from canonical\n got %s\nwant %s", got, want)
	}
	if n := MarshalSize(e, canon); n != len(want) {
		t.Fatalf("MarshalSize = %d, want %d (%s)", n, len(want), want)
	}
}

// FuzzMarshalFromCanonical checks the splice on arbitrary ids, tags and
// timestamps.
func FuzzMarshalFromCanonical(f *testing.F) {
	f.Add("00000000-0000-4000-8000-000000000001", "tag", int64(1700000000), int64(1700000001))
	f.Add(`\"`, "", int64(0), int64(-7))
	f.Add("", `"}`, int64(3), int64(0))
	f.Fuzz(func(t *testing.T, id, tag string, created, updated int64) {
		r := NewRoute()
		r.ID, r.Tags, r.CreatedAt, r.UpdatedAt = id, []string{tag}, created, updated
		checkMarshal(t, r)
	})
}

func TestDigestWithoutCacheHasNoEncodings(t *testing.T) {
	t.Parallel()
	s := NewService()
	s.ID = "00000000-0000-4000-8000-000000000001"
	cfg := &Config{Services: []*Service{s}}
	if _, ok := cfg.Digest().Encoding(s); ok {
		t.Fatal("Digest() kept encodings it never made")
	}
	if _, ok := cfg.DigestCached(&DigestCache{}).Encoding(NewService()); ok {
		t.Fatal("a digest has an encoding for an entity not in its config")
	}
}

// BenchmarkMarshalRoute compares encoding a stored route with json.Marshal
// to making the same bytes from its canonical encoding.
func BenchmarkMarshalRoute(b *testing.B) {
	r := NewRoute()
	r.ID, r.Paths, r.Hosts = "00000000-0000-4000-8000-000000000001", []string{"/a", "/b"}, []string{"example.com"}
	r.Service = &Ref{ID: "00000000-0000-4000-8000-000000000002"}
	r.SetTimestamps(1700000000)
	canon, _ := (&Config{Routes: []*Route{r}}).DigestCached(&DigestCache{}).Encoding(r)
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(r)
		}
	})
	b.Run("from canonical", func(b *testing.B) {
		for b.Loop() {
			_, _ = Marshal(r, canon)
		}
	})
}
