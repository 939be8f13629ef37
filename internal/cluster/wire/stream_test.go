package wire

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

// TestStreamDecodesAsTheDeclarativeLoader: a full payload decoded one
// entity at a time gives exactly the config (entities and digest) the
// declarative loader, which read full payloads before, gives from the same
// document, or fails where it fails: the document as a control plane
// writes it, with an unknown field set to null (a newer control plane's),
// a gRPC route without strip_path, a comment, its keys in another order
// (read by the loader itself), and an unknown field with a value.
func TestStreamDecodesAsTheDeclarativeLoader(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	cfg := everyKind(t)
	enc, err := c.EncodeFull(1, cfg.Hash(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := c.Decompress(enc.Payload, enc.Checksum)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte(docStart)) {
		t.Fatalf("a control plane's document does not start with %s: %.80s", docStart, doc)
	}
	edit := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(doc, []byte(old)) {
			t.Fatalf("the document has no %s", old)
		}
		return bytes.Replace(doc, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		doc  []byte
		ok   bool
	}{
		{"as written", doc, true},
		{"an unknown field set to null", edit(`"paths":`, `"future_field":null,"paths":`), true},
		{"a gRPC route without strip_path", edit(`"protocols":["http","https"],`, `"protocols":["grpc"],`), true},
		{"a comment", edit(docStart, docStart+`,"_comment":"hello"`), true},
		{"keys in another order", edit(docStart, `{"_transform":false,"_format_version":"3.0"`), true},
		{"an unknown field with a value", edit(`"paths":`, `"future_field":1,"paths":`), false},
		{"a consumer's unknown field set to null", edit(`"username":"alice"`, `"future_field":null,"username":"alice"`), true},
		{"a consumer's unknown field with a value", edit(`"username":"alice"`, `"future_field":"x","username":"alice"`), false},
		{"a consumer's field of the wrong type", edit(`"username":"alice"`, `"username":7`), false},
		{"an unknown kind", edit(docStart, docStart+`,"gizmos":[{"id":"x"}]`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "a gRPC route without strip_path" {
				tt.doc = bytes.Replace(tt.doc, []byte(`"strip_path":true,`), nil, 1)
			}
			p := c.Compress(tt.doc)
			got, gotErr := c.DecodeFull(p, Checksum(p), nil, nil, entity.Claim{})
			want, wantErr := declarative.ParseValid(tt.doc, declarative.Options{IgnoreUnknownNull: true})
			if (gotErr == nil) != tt.ok || (wantErr == nil) != tt.ok {
				t.Fatalf("streamed: %v; declarative loader: %v; want ok %v for both", gotErr, wantErr, tt.ok)
			}
			if !tt.ok {
				return
			}
			for _, k := range entity.Kinds {
				if g, w := got.Config().OfKind(k), want.Config().OfKind(k); !reflect.DeepEqual(g, w) {
					t.Errorf("%s: streamed %s, the loader %s", k, describe(g), describe(w))
				}
			}
			if !reflect.DeepEqual(got.Digest(), want.Digest()) {
				t.Errorf("digest: streamed %s, the loader %s", got.Hash(), want.Hash())
			}
		})
	}
}

func describe(list []entity.Entity) string {
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "%+v; ", e)
	}
	return b.String()
}

// TestStreamRefusesBadPayloads: a full payload that decodes past the
// codec's limit, ends early, is not zstd or not JSON is refused with a
// reason, never a panic.
func TestStreamRefusesBadPayloads(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 64<<10)
	cfg := sample(20)
	enc, err := c.EncodeFull(1, cfg.Hash(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := c.Decompress(enc.Payload, enc.Checksum)
	big := c.Compress(append([]byte(docStart+`,"_comment":"`), append(bytes.Repeat([]byte("a"), 1<<20), `"}`...)...))
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"decodes past the limit", big, "too large"},
		{"ends early", c.Compress(doc[:len(doc)/2]), "ends early"},
		{"not JSON after the start", c.Compress([]byte(docStart + `,"routes":[{]}`)), "malformed"},
		{"not zstd", []byte("garbage"), "decompress"},
		{"trailing data", c.Compress(append(bytes.TrimSpace(doc), `{}`...)), "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DecodeFull(tt.payload, Checksum(tt.payload), nil, nil, entity.Claim{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// BenchmarkDecodeFullPeakHeap decodes a full payload of 50,000 consumers
// with a key-auth credential each and reports the heap in use at the
// decode's peak (sampled every millisecond) and once it is done, above
// what it was before, in MB.
func BenchmarkDecodeFullPeakHeap(b *testing.B) {
	cfg := &entity.Config{}
	for i := range 50000 {
		cons := &entity.Consumer{Meta: entity.Meta{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), CreatedAt: 1700000000}, Username: fmt.Sprintf("user-%d", i)}
		cfg.Consumers = append(cfg.Consumers, cons)
		cfg.KeyAuths = append(cfg.KeyAuths, &entity.KeyAuth{Meta: entity.Meta{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), CreatedAt: 1700000000},
			Consumer: &entity.Ref{ID: cons.ID}, Key: fmt.Sprintf("key-%d-abcdefghijklmnop", i)})
	}
	c := newCodec(b, 1<<30)
	enc, err := c.EncodeFull(1, cfg.Hash(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	cfg = nil
	var peakMB, heldMB float64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base, peak := ms.HeapInuse, ms.HeapInuse
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}()
		var digests entity.DigestCache
		v, err := c.DecodeFull(enc.Payload, enc.Checksum, nil, &digests, entity.Claim{})
		close(stop)
		<-done
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peakMB, heldMB = float64(peak-base)/(1<<20), float64(int64(ms.HeapInuse)-int64(base))/(1<<20)
		runtime.KeepAlive(v)
		runtime.KeepAlive(&digests)
	}
	b.ReportMetric(peakMB, "peak-MB")
	b.ReportMetric(heldMB, "held-MB")
}
