package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CacheFile is the config cache's name inside the prefix.
const CacheFile = "config.cache"

// cacheMagic starts every cache file; the digit is the format version.
var cacheMagic = []byte("GNTRYCC1")

// Cached is what the cache file holds: a full payload and its version.
type Cached struct {
	Version  int64
	Hash     string
	Payload  []byte // compressed full payload
	Checksum uint32 // of Payload
}

// WriteCache replaces the cache file at path atomically: it writes a
// temporary file in the same directory, fsyncs it, renames it over path
// and fsyncs the directory. A crash at any moment leaves the old or the new
// file, never a torn one (and ReadCache rejects a torn file anyway).
func WriteCache(path string, c *Cached) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".config.cache.tmp*")
	if err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(encodeCache(c))
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
// length and hash, payload checksum, payload length and payload.
func encodeCache(c *Cached) []byte {
	body := binary.BigEndian.AppendUint64(nil, uint64(c.Version))
	body = binary.BigEndian.AppendUint16(body, uint16(len(c.Hash)))
	body = append(body, c.Hash...)
	body = binary.BigEndian.AppendUint32(body, c.Checksum)
	body = binary.BigEndian.AppendUint32(body, uint32(len(c.Payload)))
	body = append(body, c.Payload...)
	out := append([]byte{}, cacheMagic...)
	out = binary.BigEndian.AppendUint32(out, Checksum(body))
	return append(out, body...)
}

// ErrNoCache means there is no cache file.
var ErrNoCache = errors.New("no config cache")

// ReadCache reads and checks the cache file at path. A missing file is
// ErrNoCache; a damaged one is another error naming the problem.
func ReadCache(path string) (*Cached, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoCache
	}
	if err != nil {
		return nil, fmt.Errorf("read config cache: %w", err)
	}
	c, err := decodeCache(data)
	if err != nil {
		return nil, fmt.Errorf("config cache %s is damaged (%w); it is ignored", path, err)
	}
	return c, nil
}

func decodeCache(data []byte) (*Cached, error) {
	if len(data) < len(cacheMagic)+4 || string(data[:len(cacheMagic)]) != string(cacheMagic) {
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

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
