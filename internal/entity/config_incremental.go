package entity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"hash"
	"hash/maphash"
)

// Digest is a config's hash together with one digest per kind, so a
// consumer can tell which kinds changed between two configs without
// comparing them entity by entity.
type Digest struct {
	// Hash is what Hash returns.
	Hash string
	// Kinds holds a 64-bit digest (hex) of each kind's canonical form. It
	// is meant for comparisons within one process only: the hash function
	// is seeded per process (hash/maphash, several times faster than md5,
	// which Hash already spends most of its time in).
	Kinds map[Kind]string
	// enc holds the canonical encoding of every entity digested, by
	// pointer, when the digest was made with a cache. It is never modified:
	// the cache moves on to a new map for the next digest.
	enc map[Entity][]byte
}

// Encoding returns e's canonical encoding as d was computed from it:
// json.Marshal's output for e with created_at and updated_at left out (see
// Marshal to put them back). ok is false when d was not computed by
// DigestCached or e is not one of its entities (by pointer).
func (d Digest) Encoding(e Entity) (b []byte, ok bool) {
	b, ok = d.enc[e]
	if !ok {
		return nil, false
	}
	n := len(b) - 1 // without the newline the digest wrote after it
	return b[:n:n], true
}

// kindSeed seeds the per-kind digests; set once, for the process.
var kindSeed = maphash.MakeSeed()

func newKindHash() hash.Hash {
	var h maphash.Hash
	h.SetSeed(kindSeed)
	return &h
}

// Digest computes Hash and the per-kind digests in one pass over c.
func (c *Config) Digest() Digest { return c.DigestCached(nil) }

// DigestCached is Digest taking the encodings of entities cache has seen
// (by pointer) from it instead of encoding them again: a delta's result
// shares its unchanged entities with the running config, so digesting it
// encodes only what the delta brought. The cache then holds c's entities
// only, and the digest keeps them for Encoding. A nil cache encodes
// everything. Entities must not be modified once digested with a cache; a
// cache is not safe for concurrent use, the digests it makes are.
func (c *Config) DigestCached(cache *DigestCache) Digest {
	d := Digest{Kinds: make(map[Kind]string, len(Kinds))}
	h := md5.New()
	if cache != nil {
		cache.next = make(map[Entity][]byte, len(cache.last))
	}
	c.canonical(h, func(k Kind, kh hash.Hash) {
		d.Kinds[k] = hex.EncodeToString(kh.Sum(nil))
	}, cache)
	if cache != nil {
		cache.last, cache.next = cache.next, nil
		d.enc = cache.last
	}
	d.Hash = hex.EncodeToString(h.Sum(nil))
	return d
}

// DigestCache remembers the canonical encoding of every entity of the last
// config digested with it. The zero value is ready to use.
type DigestCache struct {
	last, next map[Entity][]byte
}

// encoding returns e's canonical encoding (one JSON line), from the cache
// when e was in the last config, and records it for the next.
func (dc *DigestCache) encoding(e Entity) []byte {
	b, ok := dc.last[e]
	if !ok {
		// encoding/json sorts map keys, so plugin configs are canonical too.
		b, _ = json.Marshal(withoutTimestamps(e))
		b = append(b, '\n') // as json.Encoder ends each value
	}
	dc.next[e] = b
	return b
}

// Same reports whether d and o have equal digests for every kind in ks;
// a digest without per-kind digests is never the same as anything.
func (d Digest) Same(o Digest, ks ...Kind) bool {
	if d.Kinds == nil || o.Kinds == nil {
		return false
	}
	for _, k := range ks {
		if d.Kinds[k] != o.Kinds[k] {
			return false
		}
	}
	return true
}
