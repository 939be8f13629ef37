package wire

import (
	"fmt"

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
}

// EncodeFull encodes cfg as a full payload.
func (c *Codec) EncodeFull(version int64, hash string, cfg *entity.Config) (*Encoded, error) {
	doc, err := declarative.Marshal(cfg, "json")
	if err != nil {
		return nil, fmt.Errorf("encode config version %d: %w", version, err)
	}
	return c.seal(version, hash, doc), nil
}

func (c *Codec) seal(version int64, hash string, raw []byte) *Encoded {
	p := c.Compress(raw)
	return &Encoded{Version: version, Hash: hash, Payload: p, Checksum: Checksum(p)}
}

// DecodeFull decompresses and loads a full payload with the data plane's
// own schemas: the declarative loader with null unknown fields ignored (a
// newer control plane may know fields this node does not) and plugin
// configs checked by validatePlugin.
func (c *Codec) DecodeFull(payload []byte, sum uint32, validatePlugin func(*entity.Plugin) entity.Errors) (entity.Valid, error) {
	doc, err := c.Decompress(payload, sum)
	if err != nil {
		return entity.Valid{}, err
	}
	v, err := declarative.ParseValid(doc, declarative.Options{IgnoreUnknownNull: true, ValidatePlugin: validatePlugin})
	if err != nil {
		return entity.Valid{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return v, nil
}
