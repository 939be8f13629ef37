package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

// Encoded is one configuration version ready to send: built and compressed
// once, then the same bytes go to every data plane.
type Encoded struct {
	Version  int64
	Hash     string
	Payload  []byte // compressed
	Checksum uint32
	// Size is the payload's size decompressed.
	Size int
}

// EncodeFull encodes cfg as a full payload.
func (c *Codec) EncodeFull(version int64, hash string, cfg *entity.Config) (*Encoded, error) {
	return c.EncodeFullWith(version, hash, cfg, marshal)
}

// EncodeFullWith encodes cfg as a full payload from one encoding of each
// entity got from enc, which must return json.Marshal's bytes for it
// (entity.Marshal does from a digest's encodings). The document is
// compressed as it is written: it is never held whole, only its
// compressed form (at 1,000,000 consumers, 71 MB of 285 MB).
func (c *Codec) EncodeFullWith(version int64, hash string, cfg *entity.Config, enc func(entity.Entity) ([]byte, error)) (*Encoded, error) {
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("wire: zstd encoder: %w", err)
	}
	n := &counted{w: zw}
	w := bufio.NewWriterSize(n, 64<<10)
	err = writeDocument(w, cfg, enc)
	if err == nil {
		err = w.Flush()
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("encode config version %d: %w", version, err)
	}
	p := out.Bytes()
	return &Encoded{Version: version, Hash: hash, Payload: p, Checksum: Checksum(p), Size: n.n}, nil
}

func marshal(e entity.Entity) ([]byte, error) { return json.Marshal(e) }

// counted counts the bytes written through it.
type counted struct {
	w io.Writer
	n int
}

func (c *counted) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// writeDocument writes cfg to w as the declarative document DecodeFull
// loads, in compact JSON: the format version, then every kind in
// entity.Kinds order, each entity as enc encodes it.
func writeDocument(w *bufio.Writer, cfg *entity.Config, enc func(entity.Entity) ([]byte, error)) error {
	if cfg == nil {
		cfg = &entity.Config{}
	}
	declared := map[string]bool{}
	for _, s := range cfg.SNIs {
		if s != nil {
			declared[s.Name] = true
		}
	}
	_, _ = w.WriteString(docStart) // a bufio.Writer keeps its first error for Flush
	for _, k := range entity.Kinds {
		open := false
		for _, e := range cfg.OfKind(k) {
			if e == nil {
				continue
			}
			b, err := enc(e)
			if err != nil {
				return fmt.Errorf("%s %s: %w", k, e.GetID(), err)
			}
			if c, ok := e.(*entity.Certificate); ok && shorthandDeclared(c, declared) {
				if b, err = json.Marshal(withoutDeclared(c, declared)); err != nil {
					return fmt.Errorf("%s %s: %w", k, e.GetID(), err)
				}
			}
			if open {
				_ = w.WriteByte(',')
			} else {
				_, _ = w.WriteString(`,"` + string(k) + `":[`)
				open = true
			}
			_, _ = w.Write(b)
		}
		if open {
			_ = w.WriteByte(']')
		}
	}
	_, err := w.WriteString("}\n")
	return err
}

// shorthandDeclared reports whether one of c's snis shorthand names is also
// an snis entity: the document must not declare it twice.
func shorthandDeclared(c *entity.Certificate, declared map[string]bool) bool {
	return slices.ContainsFunc(c.SNIs, func(name string) bool { return declared[name] })
}

// withoutDeclared returns a copy of c without the shorthand names declared
// as snis entities.
func withoutDeclared(c *entity.Certificate, declared map[string]bool) *entity.Certificate {
	out := *c
	out.SNIs = slices.DeleteFunc(slices.Clone(c.SNIs), func(name string) bool { return declared[name] })
	if len(out.SNIs) == 0 {
		out.SNIs = nil
	}
	return &out
}

func (c *Codec) seal(version int64, hash string, raw []byte) *Encoded {
	p := c.Compress(raw)
	return &Encoded{Version: version, Hash: hash, Payload: p, Checksum: Checksum(p), Size: len(raw)}
}

// DecodeFull decompresses and loads a full payload with the data plane's
// own schemas: the declarative loader with null unknown fields ignored (a
// newer control plane may know fields this node does not) and plugin
// configs checked by validatePlugin. cache, when not nil, is emptied and
// then holds what the digest worked out for each kind, so that the first
// delta on top of it costs only what that delta changes (see
// entity.DigestCached).
// A claim whose tree the result's matches gives its hash (entity.Claim).
func (c *Codec) DecodeFull(payload []byte, sum uint32, validatePlugin func(*entity.Plugin) entity.Errors, cache *entity.DigestCache, claim entity.Claim) (entity.Valid, error) {
	if cache != nil {
		*cache = entity.DigestCache{SumsOnly: cache.SumsOnly}
	}
	return c.decodeFull(payload, sum, validatePlugin, cache, claim)
}

// decodeFull is DecodeFull digesting with digests (see entity.DigestCached).
func (c *Codec) decodeFull(payload []byte, sum uint32, validatePlugin func(*entity.Plugin) entity.Errors, digests *entity.DigestCache, claim entity.Claim) (entity.Valid, error) {
	if got := Checksum(payload); got != sum {
		return entity.Valid{}, fmt.Errorf("payload checksum mismatch (got %08x, want %08x)", got, sum)
	}
	cfg, err := c.readStream(payload)
	switch {
	case errors.Is(err, ErrTooLarge):
		return entity.Valid{}, err
	case err != nil:
		return entity.Valid{}, fmt.Errorf("invalid configuration: %w", err)
	case cfg == nil: // not a control plane's document: the declarative loader reads it
		doc, err := c.Decompress(payload, sum)
		if err != nil {
			return entity.Valid{}, err
		}
		v, err := declarative.ParseValid(doc, declarative.Options{IgnoreUnknownNull: true, ValidatePlugin: validatePlugin, Digests: digests})
		if err != nil {
			return entity.Valid{}, fmt.Errorf("invalid configuration: %w", err)
		}
		return v, nil
	}
	return cfg.Check(entity.Checks{Plugin: validatePlugin, Cache: digests, Claim: claim}) // "invalid configuration (N errors): ..."
}
