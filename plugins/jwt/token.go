package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash"
	"math/big"
	"strings"
)

// token is a decoded, not yet verified, JWT.
type token struct {
	header    map[string]any
	claims    map[string]any
	signed    string // header.payload, what the signature covers
	signature []byte
}

// decode splits and decodes a compact JWT; errors read like Kong's.
func decode(s string) (*token, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("invalid token format")
	}
	t := &token{signed: parts[0] + "." + parts[1]}
	if err := decodePart(parts[0], &t.header); err != nil {
		return nil, err
	}
	if err := decodePart(parts[1], &t.claims); err != nil {
		return nil, err
	}
	sig, err := b64(parts[2])
	if err != nil {
		return nil, errors.New("invalid signature encoding")
	}
	t.signature = sig
	if typ, ok := t.header["typ"].(string); ok && !strings.EqualFold(typ, "JWT") {
		return nil, errors.New("invalid typ")
	}
	if _, ok := hashes[t.alg()]; !ok && t.alg() != "EdDSA" {
		return nil, errors.New("invalid alg")
	}
	return t, nil
}

func decodePart(s string, into *map[string]any) error {
	b, err := b64(s)
	if err != nil {
		return errors.New("invalid base64 encoding")
	}
	if json.Unmarshal(b, into) != nil || *into == nil {
		return errors.New("invalid JSON")
	}
	return nil
}

// b64 decodes base64url with or without padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (t *token) alg() string { s, _ := t.header["alg"].(string); return s }

var hashes = map[string]crypto.Hash{
	"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512,
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
}

// verify checks the signature with key: []byte for HS*, a public key for
// the others.
func (t *token) verify(key any) bool {
	alg := t.alg()
	if alg == "EdDSA" {
		pub, ok := key.(ed25519.PublicKey)
		return ok && ed25519.Verify(pub, []byte(t.signed), t.signature)
	}
	h := hashes[alg]
	if strings.HasPrefix(alg, "HS") {
		secret, ok := key.([]byte)
		if !ok {
			return false
		}
		mac := hmac.New(newHash(h), secret)
		mac.Write([]byte(t.signed))
		return hmac.Equal(mac.Sum(nil), t.signature)
	}
	hh := h.New()
	hh.Write([]byte(t.signed))
	digest := hh.Sum(nil)
	switch pub := key.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(alg, "PS") {
			return rsa.VerifyPSS(pub, h, digest, t.signature, nil) == nil
		}
		return strings.HasPrefix(alg, "RS") && rsa.VerifyPKCS1v15(pub, h, digest, t.signature) == nil
	case *ecdsa.PublicKey:
		n := (pub.Curve.Params().BitSize + 7) / 8
		if !strings.HasPrefix(alg, "ES") || len(t.signature) != 2*n {
			return false
		}
		r, s := new(big.Int).SetBytes(t.signature[:n]), new(big.Int).SetBytes(t.signature[n:])
		return ecdsa.Verify(pub, digest, r, s)
	}
	return false
}

func newHash(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA384:
		return sha512.New384
	case crypto.SHA512:
		return sha512.New
	}
	return sha256.New
}

// parsePublicKey reads a PEM public key or certificate (the credential's
// rsa_public_key, which also holds EC and Ed25519 keys as in Kong).
func parsePublicKey(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
		return cert.PublicKey, nil
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PublicKey(block.Bytes)
}
