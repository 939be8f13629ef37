package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

// docStart is how every full payload a control plane writes begins
// (document): the format and no transformation. A payload that begins
// otherwise (none does) goes through the declarative loader whole.
const docStart = `{"_format_version":"3.0","_transform":false`

// readStream decompresses payload and decodes its document one entity at
// a time, the way a delta's entities are decoded (decodeEntity): neither
// the decompressed document nor a tree of it is ever held whole. The
// declarative loader, which full payloads went through before, holds
// both, several times the memory of the configuration it produces (330 MB
// at its peak for 200,000 consumers and key-auth credentials that take
// 59 MB once loaded). What the loader does beyond decoding an entity is
// kept: a certificate's snis shorthand becomes snis entities, through the
// loader itself, one certificate at a time. It returns nil, nil when the
// document is not one a control plane writes.
//
// Entities are decoded straight from the stream into their types, unknown
// fields refused; when one has a field this node does not know (a newer
// control plane's), the stream is read again, each entity as a delta's
// is, so that a null one is ignored (errTolerant).
func (c *Codec) readStream(payload []byte) (*entity.Config, error) {
	cfg, err := c.readStreamAs(payload, false)
	if errors.Is(err, errTolerant) {
		return c.readStreamAs(payload, true)
	}
	return cfg, err
}

// errTolerant says an entity holds a field this node does not know: the
// document must be read entity by entity through decodeEntity.
var errTolerant = errors.New("an entity has a field this node does not know")

// readStreamAs is readStream, tolerant or not of unknown fields.
func (c *Codec) readStreamAs(payload []byte, tolerant bool) (*entity.Config, error) {
	if err := c.dec.Reset(bytes.NewReader(payload)); err != nil {
		return nil, fmt.Errorf("decompress payload: %w", err)
	}
	defer func() { _ = c.dec.Reset(nil) }()
	r := bufio.NewReaderSize(&capped{r: c.dec, max: int64(c.maxDecoded)}, 64<<10)
	if start, err := r.Peek(len(docStart)); err != nil || string(start) != docStart {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, readErr(err)
		}
		return nil, nil
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if _, err := dec.Token(); err != nil {
		return nil, readErr(err)
	}
	cfg := &entity.Config{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, readErr(err)
		}
		key, _ := tok.(string)
		if strings.HasPrefix(key, "_") { // the format (checked above), _comment, _info...
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, readErr(err)
			}
			continue
		}
		if !slices.Contains(entity.Kinds, entity.Kind(key)) {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, readErr(err)
			}
			if string(v) != "null" {
				return nil, fmt.Errorf("unknown field %q", key)
			}
			continue
		}
		if err := readKind(dec, entity.Kind(key), cfg, tolerant); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, readErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the document")
	}
	return cfg, nil
}

// readKind decodes the array of kind k the decoder is at into cfg:
// certificates and routes through their raw bytes (see readCertificate
// and normalize), and every entity so when tolerant; the others straight
// into their types.
func readKind(dec *json.Decoder, k entity.Kind, cfg *entity.Config, tolerant bool) error {
	if tok, err := dec.Token(); err != nil {
		return readErr(err)
	} else if tok == nil {
		return nil // null: none
	} else if tok != json.Delim('[') {
		return fmt.Errorf("%s: expected an array", k)
	}
	direct := !tolerant && k != entity.KindCertificate && k != entity.KindRoute
	for i := 0; dec.More(); i++ {
		if direct {
			e := entity.New(k)
			if err := dec.Decode(e); err != nil {
				if strings.HasPrefix(err.Error(), "json: unknown field") {
					return errTolerant
				}
				return fmt.Errorf("%s[%d]: %w", k, i, readErr(err))
			}
			if _, err := checkID(e); err != nil {
				return fmt.Errorf("%s[%d]: %w", k, i, err)
			}
			entity.Normalize(e)
			cfg.Add(e)
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return readErr(err)
		}
		if k == entity.KindCertificate {
			if err := readCertificate(raw, cfg); err != nil {
				return fmt.Errorf("%s[%d]: %w", k, i, err)
			}
			continue
		}
		e, err := decodeEntity(k, raw)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", k, i, err)
		}
		normalize(e, raw)
		cfg.Add(e)
	}
	if _, err := dec.Token(); err != nil {
		return readErr(err)
	}
	return nil
}

// normalize does to e, decoded from raw, what the declarative loader does
// to an entity it reads: a gRPC route without strip_path does not strip,
// then entity.Normalize (a control plane's entities are normalized
// already; this keeps a document from elsewhere loading as it did).
func normalize(e entity.Entity, raw []byte) {
	if r, ok := e.(*entity.Route); ok && r.StripPath && slices.ContainsFunc(r.Protocols, func(p string) bool { return strings.HasPrefix(p, "grpc") }) {
		var probe struct {
			StripPath *bool `json:"strip_path"`
		}
		_ = json.Unmarshal(raw, &probe) // raw decoded already
		r.ApplyProtocolDefaults(probe.StripPath != nil)
	}
	entity.Normalize(e)
}

// readCertificate adds the certificate raw to cfg, with the snis entities
// its shorthand names make, as the declarative loader makes them.
func readCertificate(raw []byte, cfg *entity.Config) error {
	doc := append(append([]byte(docStart+`,"certificates":[`), raw...), "]}"...)
	one, err := declarative.Parse(doc, declarative.Options{IgnoreUnknownNull: true})
	if err != nil {
		return err
	}
	one.Each(cfg.Add)
	return nil
}

// readErr names what a failed read of the document means.
func readErr(err error) error {
	switch {
	case errors.Is(err, ErrTooLarge):
		return err
	case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("the document ends early")
	}
	var syntax *json.SyntaxError
	var failed readFailure
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed document at byte %d: %w", syntax.Offset, err)
	case errors.As(err, &failed):
		return fmt.Errorf("decompress payload: %w", failed.err)
	}
	return err
}

// readFailure is an error of the decompressing reader, not of the JSON.
type readFailure struct{ err error }

func (f readFailure) Error() string { return f.err.Error() }
func (f readFailure) Unwrap() error { return f.err }

// capped reads from r and fails with ErrTooLarge past max bytes.
type capped struct {
	r         io.Reader
	max, read int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.read >= c.max {
		var one [1]byte
		for {
			n, err := c.r.Read(one[:])
			if n > 0 {
				return 0, fmt.Errorf("%w: decodes to more than %d bytes", ErrTooLarge, c.max)
			}
			if errors.Is(err, io.EOF) {
				return 0, err
			}
			if err != nil {
				return 0, readFailure{err}
			}
		}
	}
	if int64(len(p)) > c.max-c.read {
		p = p[:c.max-c.read]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		err = readFailure{err}
	}
	return n, err
}
