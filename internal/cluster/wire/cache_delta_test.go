package wire

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCacheWithDeltas: deltas and signatures kept in the cache come back
// as written, a file cut anywhere is refused, and version 1 (no deltas) and
// version 2 (no signatures) files still load.
func TestCacheWithDeltas(t *testing.T) {
	t.Parallel()
	want := &Cached{Version: 7, Hash: "0123456789abcdef0123456789abcdef", Payload: []byte("full"), Checksum: Checksum([]byte("full")),
		Deltas: []CachedDelta{{Payload: []byte("d1"), Checksum: Checksum([]byte("d1"))}, {Payload: []byte("d2"), Checksum: Checksum([]byte("d2"))}}}
	want.Sig = &Signature{Version: 5, Hash: "full-hash", Sig: []byte("sig-full"), Chain: [][]byte{[]byte("leaf"), []byte("intermediate")}}
	want.Writer = "d3ee1b8e-0f6c-4a53-9a39-0a4c3e0b6f11"
	want.Deltas[1].Sig = &Signature{Version: 7, Hash: want.Hash, Sig: []byte("sig-d2"), Chain: [][]byte{[]byte("leaf")}}
	raw := encodeCache(want)
	got, err := decodeCache(raw)
	if err != nil || len(got.Deltas) != 2 || string(got.Deltas[1].Payload) != "d2" || got.Deltas[1].Checksum != want.Deltas[1].Checksum {
		t.Fatalf("decodeCache = %+v, %v", got, err)
	}
	if got.Writer != want.Writer || !reflect.DeepEqual(got.Sig, want.Sig) || got.Deltas[0].Sig != nil || !reflect.DeepEqual(got.Deltas[1].Sig, want.Deltas[1].Sig) || got.Signed() {
		t.Fatalf("signatures came back as %+v, %+v, %+v", got.Sig, got.Deltas[0].Sig, got.Deltas[1].Sig)
	}
	path := filepath.Join(t.TempDir(), CacheFile)
	if err := WriteCache(path, want); err != nil {
		t.Fatal(err)
	}
	if file, err := os.ReadFile(path); err != nil || !bytes.Equal(file, raw) {
		t.Fatalf("WriteCache wrote %d bytes (%v), not encodeCache's %d", len(file), err, len(raw))
	}
	got.Deltas[0].Sig = want.Deltas[1].Sig
	if !got.Signed() {
		t.Fatal("a cache whose every payload is signed is not Signed")
	}
	for n := range len(raw) {
		if _, err := decodeCache(raw[:n]); err == nil {
			t.Fatalf("a cache cut at %d of %d bytes was accepted", n, len(raw))
		}
	}
	v1 := encodeCache(&Cached{Version: 1, Hash: "h", Payload: []byte("p"), Checksum: Checksum([]byte("p"))})
	v1 = v1[:len(v1)-5] // version 1 had no delta count, signature blocks nor writer
	body := v1[len(cacheMagic)+4:]
	v1 = append(append(bytes.Clone(cacheMagicV1), 0, 0, 0, 0), body...)
	sum := Checksum(body)
	v1[len(cacheMagic)], v1[len(cacheMagic)+1], v1[len(cacheMagic)+2], v1[len(cacheMagic)+3] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	if got, err := decodeCache(v1); err != nil || string(got.Payload) != "p" || len(got.Deltas) != 0 {
		t.Fatalf("version 1 cache: %+v, %v", got, err)
	}
	v2 := encodeCache(&Cached{Version: 1, Hash: "h", Payload: []byte("p"), Checksum: Checksum([]byte("p"))})
	v2 = v2[:len(v2)-3] // version 2 had no signature blocks nor writer
	body = v2[len(cacheMagic)+4:]
	v2 = binary.BigEndian.AppendUint32(bytes.Clone(cacheMagicV2), Checksum(body))
	v2 = append(v2, body...)
	if got, err := decodeCache(v2); err != nil || string(got.Payload) != "p" || got.Sig != nil || got.Signed() {
		t.Fatalf("version 2 cache: %+v, %v", got, err)
	}
}

// TestWithDeltaBoundsTheChain: a delta is appended while the chain is
// short and light; past that the caller is told to write in full.
func TestWithDeltaBoundsTheChain(t *testing.T) {
	t.Parallel()
	c := &Cached{Version: 1, Hash: "a", Payload: bytes.Repeat([]byte("x"), 2*minDeltaBytes)}
	small := CachedDelta{Payload: []byte("delta")}
	next, ok := c.WithDelta(2, "b", small)
	if !ok || next.Version != 2 || next.Hash != "b" || len(next.Deltas) != 1 || len(c.Deltas) != 0 {
		t.Fatalf("WithDelta = %+v, %t; base now %+v", next, ok, c)
	}
	if _, ok := c.WithDelta(2, "b", CachedDelta{Payload: bytes.Repeat([]byte("y"), 2*minDeltaBytes+1)}); ok {
		t.Fatal("a delta heavier than the full payload was chained")
	}
	// A small configuration keeps deltas heavier than itself, up to
	// minDeltaBytes, so its cache keeps the control plane's signatures.
	tiny := &Cached{Version: 1, Hash: "a", Payload: []byte("x")}
	if _, ok := tiny.WithDelta(2, "b", CachedDelta{Payload: []byte("a delta")}); !ok {
		t.Fatal("a delta heavier than a tiny full payload was not chained")
	}
	if _, ok := tiny.WithDelta(2, "b", CachedDelta{Payload: bytes.Repeat([]byte("y"), minDeltaBytes+1)}); ok {
		t.Fatal("a delta above minDeltaBytes was chained to a tiny full payload")
	}
	for i := 0; ok; i++ {
		if next, ok = next.WithDelta(int64(i+3), "c", small); ok && len(next.Deltas) > MaxCacheDeltas {
			t.Fatalf("chain grew to %d deltas", len(next.Deltas))
		}
	}
}
