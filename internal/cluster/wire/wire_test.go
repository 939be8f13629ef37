package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func newCodec(t testing.TB, max int) *Codec {
	t.Helper()
	c, err := NewCodec(max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func sample(n int) *entity.Config {
	cfg := &entity.Config{}
	svc := entity.NewService()
	svc.ID, svc.Name, svc.Host = "00000000-0000-4000-8000-000000000001", "svc", "example.com"
	cfg.Services = append(cfg.Services, svc)
	for i := range n {
		r := entity.NewRoute()
		r.ID = entity0(i)
		r.Paths = []string{"/r" + r.ID[len(r.ID)-4:]}
		r.Service = &entity.Ref{ID: svc.ID}
		cfg.Routes = append(cfg.Routes, r)
	}
	return cfg
}

func entity0(i int) string {
	const hex = "0123456789abcdef"
	b := []byte("00000000-0000-4000-8000-100000000000")
	for j := len(b) - 1; i > 0 && j > 24; j-- {
		b[j] = hex[i%16]
		i /= 16
	}
	return string(b)
}

func TestFullRoundTripKeepsTheHash(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	cfg := sample(50)
	enc, err := c.EncodeFull(7, cfg.Hash(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DecodeFull(enc.Payload, enc.Checksum, nil, nil, entity.Claim{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash() != cfg.Hash() {
		t.Fatalf("decoded hash %s != %s", got.Hash(), cfg.Hash())
	}
	doc, err := c.Decompress(enc.Payload, enc.Checksum)
	if err != nil || len(doc) != enc.Size || !bytes.HasPrefix(doc, []byte(docStart)) || !bytes.HasSuffix(doc, []byte("}\n")) {
		t.Fatalf("the payload decompresses to %d bytes (%v), Size says %d: %.60s…", len(doc), err, enc.Size, doc)
	}
}

func TestDecompressRefusesBadPayloads(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 4096)
	bomb := c.Compress(bytes.Repeat([]byte("a"), 1<<20))
	good := c.Compress([]byte("hello"))
	tests := []struct {
		name    string
		payload []byte
		sum     uint32
		want    string
	}{
		{"decodes past the limit", bomb, Checksum(bomb), "too large"},
		{"wrong checksum", good, Checksum(good) + 1, "checksum"},
		{"not zstd", []byte("garbage"), Checksum([]byte("garbage")), "decompress"},
		{"truncated", good[:len(good)-3], Checksum(good[:len(good)-3]), "decompress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Decompress(tt.payload, tt.sum)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestDeltaMatchesFull(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	from := sample(30)
	to := sample(30)
	to.Routes = to.Routes[1:] // delete one
	changed := *to.Routes[3]
	changed.Paths = []string{"/changed"}
	to.Routes[3] = &changed
	extra := entity.NewRoute()
	extra.ID, extra.Paths, extra.Service = "00000000-0000-4000-8000-200000000000", []string{"/new"}, &entity.Ref{ID: to.Services[0].ID}
	to.Routes = append(to.Routes, extra)

	fi, _ := NewIndex(from)
	ti, _ := NewIndex(to)
	d := Diff(fi, ti)
	if d.Size() != 3 {
		t.Fatalf("delta has %d changes, want 3 (one delete, one change, one add)", d.Size())
	}
	enc, err := c.EncodeDelta(2, to.Hash(), d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DecodeDelta(from, enc.Payload, enc.Checksum, nil, nil, entity.Claim{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash() != to.Hash() {
		t.Fatalf("delta result hash %s != full hash %s", got.Hash(), to.Hash())
	}
	if from.Hash() != sample(30).Hash() {
		t.Fatal("applying a delta modified its base")
	}
}

func TestDeltaEntityFields(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	base := sample(1)
	route := func(extra string) *Encoded {
		raw := `{"id":"00000000-0000-4000-8000-300000000000","paths":["/x"],"service":{"id":"00000000-0000-4000-8000-000000000001"}` + extra + `}`
		d := &Delta{Upserts: map[entity.Kind][]json.RawMessage{entity.KindRoute: {json.RawMessage(raw)}}}
		enc, err := c.EncodeDelta(2, "", d)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	tests := []struct {
		name, extra string
		wantErr     string
	}{
		{"known fields", `,"strip_path":false`, ""},
		{"unknown field set to null is ignored", `,"future_field":null`, ""},
		{"unknown field with a value is refused", `,"future_field":3`, "future_field"},
		{"reference to a missing service", `,"service":{"id":"00000000-0000-4000-8000-999999999999"}`, "service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := route(tt.extra)
			_, err := c.DecodeDelta(base, enc.Payload, enc.Checksum, nil, nil, entity.Claim{})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestCacheSurvivesTornWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, CacheFile)
	if _, err := ReadCache(path); !errors.Is(err, ErrNoCache) {
		t.Fatalf("missing cache: err = %v, want ErrNoCache", err)
	}
	want := &Cached{Version: 42, Hash: "0123456789abcdef0123456789abcdef", Payload: []byte("payload bytes"), Checksum: Checksum([]byte("payload bytes"))}
	if err := WriteCache(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCache(path)
	if err != nil || got.Version != 42 || got.Hash != want.Hash || string(got.Payload) != "payload bytes" {
		t.Fatalf("ReadCache = %+v, %v", got, err)
	}
	full, _ := os.ReadFile(path)
	for n := range len(full) {
		if _, err := decodeCache(full[:n]); err == nil {
			t.Fatalf("a cache cut at %d of %d bytes was accepted", n, len(full))
		}
	}
	for i := range full {
		flipped := bytes.Clone(full)
		flipped[i] ^= 0x40
		if _, err := decodeCache(flipped); err == nil {
			t.Fatalf("a cache with byte %d flipped was accepted", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("cache directory holds %d files, want only %s (no temporary files left)", len(entries), CacheFile)
	}
}

// TestDiffDigestsAgreesWithDiff: the delta worked out from two digests is
// the one worked out from two indexes of every entity, over random
// changes (routes removed, replaced and added, the service changed).
func TestDiffDigestsAgreesWithDiff(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	cache := &entity.DigestCache{}
	from := sample(40)
	fromDigest := from.DigestCached(cache)
	for round := range 100 {
		to := *from
		to.Routes = nil
		for _, r := range from.Routes {
			switch rng.IntN(15) {
			case 0: // removed
			case 1: // replaced
				moved := *r
				moved.Paths = []string{fmt.Sprintf("/moved-%d", round)}
				to.Routes = append(to.Routes, &moved)
			default:
				to.Routes = append(to.Routes, r)
			}
		}
		for i := range rng.IntN(3) {
			r := entity.NewRoute()
			r.ID, r.Paths, r.Service = entity0(1000+round*3+i), []string{fmt.Sprintf("/new-%d-%d", round, i)}, &entity.Ref{ID: from.Services[0].ID}
			r.SetTimestamps(1700000000 + int64(round))
			to.Routes = append(to.Routes, r)
		}
		slices.SortFunc(to.Routes, func(a, b *entity.Route) int { return strings.Compare(a.ID, b.ID) })
		if rng.IntN(4) == 0 {
			svc := *from.Services[0]
			svc.Retries = rng.IntN(10)
			to.Services = []*entity.Service{&svc}
		}
		toDigest := to.DigestCached(cache)
		got, ok, err := DiffDigests(fromDigest, toDigest)
		if !ok || err != nil {
			t.Fatalf("round %d: DiffDigests: %v, %v", round, ok, err)
		}
		fi, _ := NewIndex(from)
		ti, _ := NewIndex(&to)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(Diff(fi, ti))
		if !bytes.Equal(g, w) {
			t.Fatalf("round %d: DiffDigests\n%s\nDiff\n%s", round, g, w)
		}
		from, fromDigest = &to, toDigest
	}
}
