// Package wire is the encoding shared by both ends of hybrid mode: zstd
// compression (klauspost/compress) with a bound on the decoded size,
// checksums, the full and delta configuration payloads, and the data
// plane's config cache file.
//
// A full payload is the declarative document (flat JSON, every id) so the
// data plane applies it with the same loader as a DB-less node. A delta
// payload lists entity upserts and deletes between two versions.
package wire

import (
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/klauspost/compress/zstd"
)

// castagnoli is the CRC-32C table; the table is read-only after creation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum is the CRC-32C of b, carried next to every payload.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// ErrTooLarge means a payload decodes to more than the codec's limit.
var ErrTooLarge = errors.New("payload too large")

// Codec compresses and decompresses payloads. It is safe for concurrent use;
// each end of the cluster owns one.
type Codec struct {
	enc        *zstd.Encoder
	dec        *zstd.Decoder
	maxDecoded int
}

// NewCodec returns a Codec refusing payloads that decode to more than
// maxDecoded bytes (a guard against decompression bombs).
func NewCodec(maxDecoded int) (*Codec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("wire: zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(maxDecoded)),
		zstd.WithDecoderMaxWindow(uint64(max(maxDecoded, zstd.MinWindowSize))))
	if err != nil {
		return nil, fmt.Errorf("wire: zstd decoder: %w", err)
	}
	return &Codec{enc: enc, dec: dec, maxDecoded: maxDecoded}, nil
}

// Compress returns b compressed.
func (c *Codec) Compress(b []byte) []byte {
	return c.enc.EncodeAll(b, make([]byte, 0, len(b)/4+64))
}

// Decompress returns the payload p compressed, after checking it against
// sum. Corrupt, truncated or oversized payloads are errors, never panics.
func (c *Codec) Decompress(p []byte, sum uint32) ([]byte, error) {
	if got := Checksum(p); got != sum {
		return nil, fmt.Errorf("payload checksum mismatch (got %08x, want %08x)", got, sum)
	}
	out, err := c.dec.DecodeAll(p, make([]byte, 0, min(len(p)*4, c.maxDecoded)))
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			return nil, fmt.Errorf("%w: decodes to more than %d bytes", ErrTooLarge, c.maxDecoded)
		}
		return nil, fmt.Errorf("decompress payload: %w", err)
	}
	return out, nil
}

// Close releases the codec's resources.
func (c *Codec) Close() {
	_ = c.enc.Close()
	c.dec.Close()
}
