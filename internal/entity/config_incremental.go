package entity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/internal/yield"
)

// Digest is a config's hash together with a second digest of the same
// canonical form that a config sharing most of its entities with one
// digested before costs only what changed, and one digest per kind, so a
// consumer can tell which kinds changed between two configs without
// comparing them entity by entity.
type Digest struct {
	// Hash is what Hash returns: md5 over the whole canonical form (taken
	// from a Claim whose tree matches, see Checks.Claim).
	Hash string
	// Tree is md5 over each kind's name and the md5 of the md5s of its
	// entities' canonical encodings, in id order. Equal configurations
	// have equal trees on every node, as they have equal hashes; unlike
	// Hash, a cache makes it cost only what changed.
	Tree string
	// Kinds holds the md5 (hex) of the md5s of each kind's entities.
	Kinds map[Kind]string
	// kinds keeps what DigestCached worked out per kind (never modified);
	// nil without a cache.
	kinds map[Kind]*kindDigest
}

// Encoding returns e's canonical encoding as d was computed from it:
// json.Marshal's output for e with created_at and updated_at left out (see
// Marshal to put them back). ok is false when d was not computed by
// DigestCached or e is not one of its entities (by pointer).
func (d Digest) Encoding(e Entity) (b []byte, ok bool) {
	if isNil(e) {
		return nil, false
	}
	kd := d.kinds[e.EntityKind()]
	if kd == nil || kd.encs == nil {
		return nil, false
	}
	id := e.GetID()
	i := sort.Search(len(kd.order), func(i int) bool { return kd.order[i].GetID() >= id })
	for ; i < len(kd.order) && kd.order[i].GetID() == id; i++ {
		if kd.order[i] == e {
			n := len(kd.encs[i]) - 1 // without the newline the digest wrote after it
			return kd.encs[i][:n:n], true
		}
	}
	return nil, false
}

// Encodings calls fn with each entity d was computed from and its
// canonical encoding (as Encoding returns it), kind by kind in Kinds
// order, each kind's in id order. It reports false, calling nothing, when
// d keeps no encodings (made without a DigestCache, or a SumsOnly one).
func (d Digest) Encodings(fn func(k Kind, e Entity, canon []byte)) bool {
	if !d.hasEncodings() {
		return false
	}
	for _, k := range Kinds {
		kd := d.kinds[k]
		for i, e := range kd.order {
			fn(k, e, kd.encs[i][:len(kd.encs[i])-1])
		}
	}
	return true
}

// Sizes returns how many entities d was computed from and the size of
// their JSON as Marshal gives it, one line each, kept per kind so that it
// costs nothing per entity; ok is false when d keeps no encodings.
func (d Digest) Sizes() (count, size int, ok bool) {
	if !d.hasEncodings() {
		return 0, 0, false
	}
	for _, kd := range d.kinds {
		count += len(kd.order)
		size += kd.marshaled
	}
	return count, size, true
}

func (d Digest) hasEncodings() bool {
	if d.kinds == nil {
		return false
	}
	for _, k := range Kinds {
		if kd := d.kinds[k]; kd == nil || kd.encs == nil && len(kd.order) > 0 {
			return false
		}
	}
	return true
}

// Changes calls upsert and remove with what turns from's entities into
// d's, kind by kind in Kinds order, each kind's in id order: upsert for an
// entity of d that from lacks or holds with another canonical encoding
// (given without its trailing newline), remove for the id of one that d
// lacks. A kind whose digest is from's is passed over without a look at
// its entities, so the work follows the kinds that changed. Timestamps
// are not part of the canonical form: an entity whose timestamps alone
// changed is not upserted. It reports false, calling nothing, when either
// digest keeps no encodings (see Encodings).
func (d Digest) Changes(from Digest, upsert func(k Kind, e Entity, canon []byte), remove func(k Kind, id string)) bool {
	if !d.hasEncodings() || !from.hasEncodings() {
		return false
	}
	var y yield.Point
	for _, k := range Kinds {
		a, b := from.kinds[k], d.kinds[k]
		if a == b || a.sum == b.sum {
			continue
		}
		i, j := 0, 0
		for i < len(a.order) || j < len(b.order) {
			y.Tick()
			switch {
			case j == len(b.order) || i < len(a.order) && a.order[i].GetID() < b.order[j].GetID():
				remove(k, a.order[i].GetID())
				i++
			case i == len(a.order) || b.order[j].GetID() < a.order[i].GetID():
				upsert(k, b.order[j], b.encs[j][:len(b.encs[j])-1])
				j++
			default:
				if a.sums[i] != b.sums[j] {
					upsert(k, b.order[j], b.encs[j][:len(b.encs[j])-1])
				}
				i, j = i+1, j+1
			}
		}
	}
	return true
}

// Digest computes Hash, Tree and the per-kind digests in one pass over c.
func (c *Config) Digest() Digest { return c.DigestCached(nil) }

// DigestCached is Digest taking what cache worked out for the entities of
// the last config digested with it (by pointer): a delta's result shares
// its unchanged entities with the running config, so digesting it encodes
// only what the delta brought, and a kind whose entities are all the same
// ones in the same order keeps its digest. The cache then holds c's
// entities only, and the digest keeps them for Encoding. A nil cache
// encodes everything and keeps nothing. Entities must not be modified once
// digested with a cache; a cache is not safe for concurrent use, the
// digests it makes are.
func (c *Config) DigestCached(cache *DigestCache) Digest {
	return c.digest(cache, Claim{})
}

// Claim is a configuration's hash and tree as another node computed them.
type Claim struct{ Hash, Tree string }

// digest is DigestCached; when the tree it computes equals claim.Tree, it
// takes claim.Hash for the hash instead of computing it (equal trees mean
// equal canonical forms, so equal hashes).
func (c *Config) digest(cache *DigestCache, claim Claim) Digest {
	if c == nil {
		c = &Config{}
	}
	d := Digest{Kinds: make(map[Kind]string, len(Kinds)), kinds: make(map[Kind]*kindDigest, len(Kinds))}
	tree := md5.New()
	for _, k := range Kinds {
		var prev *kindDigest
		if cache != nil {
			prev = cache.kinds[k]
		}
		kd := c.digestKind(k, prev, cache != nil && cache.SumsOnly)
		d.kinds[k], d.Kinds[k] = kd, hex.EncodeToString(kd.sum[:])
		_, _ = tree.Write([]byte(k))
		_, _ = tree.Write([]byte{0})
		_, _ = tree.Write(kd.sum[:])
	}
	d.Tree = hex.EncodeToString(tree.Sum(nil))
	if claim.Tree != "" && claim.Tree == d.Tree {
		d.Hash = claim.Hash
	} else {
		whole := md5.New()
		var y yield.Point
		for _, k := range Kinds {
			_, _ = whole.Write([]byte(k))
			_, _ = whole.Write([]byte{0})
			kd := d.kinds[k]
			for i, e := range kd.order {
				y.Tick()
				if kd.encs != nil {
					_, _ = whole.Write(kd.encs[i])
				} else {
					_, _ = whole.Write(encode(e)) // kept as sums only: encoded again
				}
			}
		}
		d.Hash = hex.EncodeToString(whole.Sum(nil))
	}
	if cache != nil {
		cache.kinds = d.kinds
	} else {
		d.kinds = nil // nothing kept (see DigestCached)
	}
	return d
}

// DigestCache remembers, per kind, what the last config digested with it
// held. The zero value is ready to use.
type DigestCache struct {
	// SumsOnly keeps each entity's md5, not its encoding: a data plane's
	// cache, which must not hold its configuration a second time (as JSON)
	// to make the next delta cheap. The tree, which is what a delta's
	// claim is checked against, needs the md5s only; the hash, needed
	// when there is no claim or it does not match, then encodes every
	// entity again. Digest.Encoding finds nothing in such a digest.
	SumsOnly bool
	kinds    map[Kind]*kindDigest
}

// kindDigest is one kind's entities in canonical (id) order, each with its
// encoding and md5, and the md5 of those md5s. It is never modified once
// made.
type kindDigest struct {
	order []Entity
	encs  [][]byte   // one JSON line each; nil in a DigestCache.SumsOnly
	sums  [][16]byte // md5 of each encoding
	sum   [16]byte
	// marshaled is the size of the entities as Marshal gives them, one
	// line each (MarshalSize + 1); 0 in a DigestCache.SumsOnly.
	marshaled int
}

// digestKind digests c's entities of kind k: prev's digest itself when they
// are prev's very entities in prev's order, else one made reusing the
// encodings and md5s of the entities it shares with prev (found by walking
// both id-sorted lists side by side). With sumsOnly it keeps no
// encoding.
func (c *Config) digestKind(k Kind, prev *kindDigest, sumsOnly bool) *kindDigest {
	n, at := c.list(k)
	var y yield.Point
	if prev != nil && len(prev.order) == n && (prev.encs == nil) == sumsOnly {
		same := true
		for i := 0; i < n && same; i++ {
			y.Tick()
			same = at(i) == prev.order[i]
		}
		if same {
			return prev
		}
	}
	order := make([]Entity, 0, n)
	for i := range n {
		if e := at(i); !isNil(e) {
			order = append(order, e)
		}
	}
	byID := func(a, b Entity) int {
		y.Tick()
		return strings.Compare(a.GetID(), b.GetID())
	}
	if !slices.IsSortedFunc(order, byID) {
		slices.SortStableFunc(order, byID)
	}
	kd := &kindDigest{order: order, sums: make([][16]byte, len(order))}
	if !sumsOnly {
		kd.encs = make([][]byte, len(order))
	}
	var old []Entity
	if prev != nil && (prev.encs != nil || sumsOnly) {
		old = prev.order
	}
	i := 0 // in old
	sums := md5.New()
	for j, e := range order {
		y.Tick()
		id := e.GetID()
		for i < len(old) && old[i].GetID() < id {
			i++
		}
		switch {
		case i < len(old) && old[i] == e:
			kd.sums[j] = prev.sums[i]
			if kd.encs != nil {
				kd.encs[j] = prev.encs[i]
			}
			i++
		case kd.encs != nil:
			kd.encs[j] = encode(e)
			kd.sums[j] = md5.Sum(kd.encs[j])
		default:
			kd.sums[j] = md5.Sum(encode(e))
		}
		if kd.encs != nil {
			kd.marshaled += MarshalSize(e, kd.encs[j][:len(kd.encs[j])-1]) + 1
		}
		_, _ = sums.Write(kd.sums[j][:])
	}
	sums.Sum(kd.sum[:0])
	return kd
}

// encode is e's canonical encoding as one JSON line: json.Marshal's
// output without the timestamps (encoding/json sorts map keys, so plugin
// configs are canonical too), ended as json.Encoder ends each value.
func encode(e Entity) []byte {
	b, _ := json.Marshal(withoutTimestamps(e))
	return append(b, '\n')
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
