package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"

	"github.com/gantryhq/gantry/internal/entity"
)

// CacheFile is the config cache's name inside the prefix.
const CacheFile = "config.cache"

// cacheMagic starts every cache file; the digit is the format version.
// Version 1 files (no deltas) and version 2 files (no signatures) are
// still read.
var (
	cacheMagic   = []byte("GNTRYCC3")
	cacheMagicV2 = []byte("GNTRYCC2")
	cacheMagicV1 = []byte("GNTRYCC1")
)

// Cached is what the cache file holds: a full payload, then the deltas
// applied on top of it since, and the version and hash of the result.
// Keeping the deltas as received saves a data plane from encoding its
// whole configuration again after every delta (docs/design.md, "The config cache").
type Cached struct {
	Version  int64
	Hash     string // of the configuration after every delta
	Payload  []byte // compressed full payload
	Checksum uint32 // of Payload
	// Sig is the control plane's signature of Payload, nil when it came
	// unsigned or this node encoded the payload itself.
	Sig    *Signature
	Deltas []CachedDelta
	// Writer is the node id of the data plane that wrote the file: a
	// node tells its own cache from one copied from elsewhere.
	Writer string
}

// CachedDelta is one compressed delta payload, as received.
type CachedDelta struct {
	Payload  []byte
	Checksum uint32
	Sig      *Signature // of Payload, nil when unsigned
}

// Signed reports whether the full payload and every delta carry the
// control plane's signature: only such a cache may be offered to peers.
func (cc *Cached) Signed() bool {
	if cc.Sig == nil {
		return false
	}
	for _, d := range cc.Deltas {
		if d.Sig == nil {
			return false
		}
	}
	return true
}

// WriteCache replaces the cache file at path atomically: it writes a
// temporary file in the same directory, fsyncs it, renames it over path
// and fsyncs the directory. A crash at any moment leaves the old or the new
// file, never a torn one (and ReadCache rejects a torn file anyway).
func WriteCache(path string, c *Cached) error {
	if !fits32(c) {
		return fmt.Errorf("write config cache %s: a payload above 4 GiB does not fit the cache's 32-bit lengths", path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".config.cache.tmp*")
	if err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	tmp := f.Name()
	pieces := cachePieces(c)
	head := binary.BigEndian.AppendUint32(append([]byte{}, cacheMagic...), piecesChecksum(pieces))
	bufs := append(net.Buffers{head}, pieces...)
	_, err = bufs.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write config cache %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// encodeCache lays c out as: magic, crc32c of the rest, version, hash
// length and hash, payload checksum, payload length and payload, number of
// deltas and, for each, its checksum, length and payload; then the
// signature of the full payload and that of each delta (appendSig), and
// the writer's length and node id.
func encodeCache(c *Cached) []byte {
	pieces := cachePieces(c)
	out := append([]byte{}, cacheMagic...)
	out = binary.BigEndian.AppendUint32(out, piecesChecksum(pieces))
	for _, p := range pieces {
		out = append(out, p...)
	}
	return out
}

// cachePieces is the body encodeCache lays out, in pieces: the payloads
// are c's own slices, not copies, so that a cache file of a large
// configuration is written without holding its payload twice.
func cachePieces(c *Cached) [][]byte {
	head := binary.BigEndian.AppendUint64(nil, uint64(c.Version))
	head = binary.BigEndian.AppendUint16(head, uint16(len(c.Hash)))
	head = append(head, c.Hash...)
	head = binary.BigEndian.AppendUint32(head, c.Checksum)
	head = binary.BigEndian.AppendUint32(head, uint32(len(c.Payload)))
	pieces := [][]byte{head, c.Payload}
	tail := binary.BigEndian.AppendUint16(nil, uint16(len(c.Deltas)))
	for _, d := range c.Deltas {
		tail = binary.BigEndian.AppendUint32(tail, d.Checksum)
		tail = binary.BigEndian.AppendUint32(tail, uint32(len(d.Payload)))
		pieces = append(pieces, tail, d.Payload)
		tail = nil
	}
	tail = appendSig(tail, c.Sig)
	for _, d := range c.Deltas {
		tail = appendSig(tail, d.Sig)
	}
	tail = binary.BigEndian.AppendUint16(tail, uint16(len(c.Writer)))
	tail = append(tail, c.Writer...)
	return append(pieces, tail)
}

// piecesChecksum is Checksum of the pieces joined.
func piecesChecksum(pieces [][]byte) uint32 {
	var sum uint32
	for _, p := range pieces {
		sum = crc32.Update(sum, castagnoli, p)
	}
	return sum
}

// fits32 reports whether every payload of c has a length the cache's 32-bit
// fields can record (cluster_max_config_size keeps them there).
func fits32(c *Cached) bool {
	if uint64(len(c.Payload)) > math.MaxUint32 {
		return false
	}
	for _, d := range c.Deltas {
		if uint64(len(d.Payload)) > math.MaxUint32 {
			return false
		}
	}
	return true
}

// ErrNoCache means there is no cache file.
var ErrNoCache = errors.New("no config cache")

// ReadCache reads and checks the cache file at path. A missing file is
// ErrNoCache; a damaged one is another error naming the problem.
func ReadCache(path string) (*Cached, error) {
	c, _, err := ReadCacheFile(path)
	return c, err
}

// ReadCacheFile is ReadCache that also returns the file's bytes, as a
// data plane serves them to its peers.
func ReadCacheFile(path string) (*Cached, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, ErrNoCache
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read config cache: %w", err)
	}
	c, err := decodeCache(data)
	if err != nil {
		return nil, nil, fmt.Errorf("config cache %s is damaged (%w); it is ignored", path, err)
	}
	return c, data, nil
}

// DecodeCache checks and decodes a cache file's bytes (as a peer sent
// them); the error names the problem.
func DecodeCache(data []byte) (*Cached, error) { return decodeCache(data) }

func decodeCache(data []byte) (*Cached, error) {
	if len(data) < len(cacheMagic)+4 {
		return nil, errors.New("not a Gantry config cache")
	}
	magic := string(data[:len(cacheMagic)])
	v1, v2 := magic == string(cacheMagicV1), magic == string(cacheMagicV2)
	if !v1 && !v2 && magic != string(cacheMagic) {
		return nil, errors.New("not a Gantry config cache")
	}
	sum := binary.BigEndian.Uint32(data[len(cacheMagic):])
	body := data[len(cacheMagic)+4:]
	if Checksum(body) != sum {
		return nil, errors.New("checksum mismatch")
	}
	r := reader{b: body}
	c := &Cached{Version: int64(r.u64())}
	c.Hash = string(r.bytes(int(r.u16())))
	c.Checksum = r.u32()
	c.Payload = r.bytes(int(r.u32()))
	if !v1 {
		n := int(r.u16())
		for range min(n, len(r.b)) { // each delta takes 8 bytes at least
			sum := r.u32()
			c.Deltas = append(c.Deltas, CachedDelta{Checksum: sum, Payload: r.bytes(int(r.u32()))})
		}
		if n > len(c.Deltas) {
			r.bad = true
		}
	}
	if !v1 && !v2 {
		c.Sig = r.sig()
		for i := range c.Deltas {
			c.Deltas[i].Sig = r.sig()
		}
		c.Writer = string(r.bytes(int(r.u16())))
	}
	if r.bad || len(r.b) != 0 {
		return nil, errors.New("truncated or trailing data")
	}
	return c, nil
}

// reader reads big-endian fields, remembering any overrun instead of panicking.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// DecodeCached loads a cache's configuration: its full payload, then each
// delta on top, validated as pushes are. After each signed step the
// configuration's hash must be the signed one. The caller checks the
// signatures themselves (before, as they are cheaper) and compares the
// result's hash with c.Hash.
func (c *Codec) DecodeCached(cc *Cached, validatePlugin func(*entity.Plugin) entity.Errors) (entity.Valid, error) {
	var digests *entity.DigestCache
	if len(cc.Deltas) > 0 {
		// The full payload's digest keeps the encodings the deltas' results
		// share with it: every entity is encoded once.
		digests = &entity.DigestCache{}
	}
	v, err := c.decodeFull(cc.Payload, cc.Checksum, validatePlugin, digests, entity.Claim{})
	if err != nil {
		return v, err
	}
	if cc.Sig != nil && v.Hash() != cc.Sig.Hash {
		return entity.Valid{}, fmt.Errorf("the full payload's configuration has hash %s, not the signed %s", v.Hash(), cc.Sig.Hash)
	}
	for i, d := range cc.Deltas {
		if v, err = c.DecodeDelta(v.Config(), d.Payload, d.Checksum, validatePlugin, digests, entity.Claim{}); err != nil {
			return entity.Valid{}, fmt.Errorf("delta %d of %d: %w", i+1, len(cc.Deltas), err)
		}
		if d.Sig != nil && v.Hash() != d.Sig.Hash {
			return entity.Valid{}, fmt.Errorf("delta %d of %d: the configuration it makes has hash %s, not the signed %s", i+1, len(cc.Deltas), v.Hash(), d.Sig.Hash)
		}
	}
	return v, nil
}

// WithDelta returns the cache for the configuration cc holds plus one more
// delta, now at version and hash; cc is not modified. ok is false when the
// chain is long or heavy enough (MaxCacheDeltas, or deltas outweighing the
// full payload, beyond minDeltaBytes) that the caller should write a full
// payload instead.
func (cc *Cached) WithDelta(version int64, hash string, d CachedDelta) (next *Cached, ok bool) {
	size := len(d.Payload)
	for _, x := range cc.Deltas {
		size += len(x.Payload)
	}
	if len(cc.Deltas) >= MaxCacheDeltas || size > max(len(cc.Payload), minDeltaBytes) {
		return nil, false
	}
	next = &Cached{Version: version, Hash: hash, Payload: cc.Payload, Checksum: cc.Checksum, Sig: cc.Sig, Writer: cc.Writer,
		Deltas: append(slices.Clip(cc.Deltas), d)}
	return next, true
}

// minDeltaBytes is the weight of deltas always kept after a full payload:
// a small configuration's delta can outweigh the whole compressed
// configuration, and re-encoding it would drop the control plane's
// signatures (a cache a peer could no longer take).
const minDeltaBytes = 64 << 10

// MaxCacheDeltas bounds the deltas kept after a cache's full payload, so
// a start from the cache applies a bounded number of them; a cache from a
// peer holding more is refused.
const MaxCacheDeltas = 32
