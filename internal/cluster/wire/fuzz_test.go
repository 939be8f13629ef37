package wire

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// FuzzDecode drives every decoder of the package with arbitrary bytes: the
// zstd layer, the delta JSON layer (behind a valid checksum and
// compression) and the cache file. None may panic.
func FuzzDecode(f *testing.F) {
	c, err := NewCodec(1 << 20)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"upserts":{"routes":[{"id":"00000000-0000-4000-8000-300000000000","paths":["/x"]}]},"deletes":{"services":["a"]}}`))
	f.Add([]byte(`{"upserts":{"nope":[1]}}`))
	f.Add(encodeCache(&Cached{Version: 1, Hash: "h", Payload: []byte("p")}))
	f.Add(c.Compress([]byte("hello")))
	base := sample(3)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = c.Decompress(data, Checksum(data))
		p := c.Compress(data)
		if cfg, err := c.DecodeDelta(base, p, Checksum(p), nil, nil, entity.Claim{}); err == nil && cfg.IsZero() {
			t.Fatal("nil config without an error")
		}
		_, _ = c.DecodeFull(p, Checksum(p), nil, nil, entity.Claim{})
		_, _ = decodeCache(data)
	})
}
