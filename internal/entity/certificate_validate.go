package entity

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Normalize trims the PEM fields and lower-cases the snis shorthand.
func (c *Certificate) Normalize() {
	c.Cert = strings.TrimSpace(c.Cert)
	c.Key = strings.TrimSpace(c.Key)
	c.CertAlt = strings.TrimSpace(c.CertAlt)
	c.KeyAlt = strings.TrimSpace(c.KeyAlt)
	c.SNIs = trimAll(c.SNIs)
	for i, s := range c.SNIs {
		c.SNIs[i] = strings.ToLower(s)
	}
	c.Tags = emptyToNil(c.Tags)
}

// Validate parses the certificate and key (and the alternative pair) and
// checks that each key belongs to its certificate.
func (c *Certificate) Validate() Errors {
	var e Errors
	e.meta(&c.Meta)
	main := validatePair(&e, "cert", c.Cert, "key", c.Key)
	if (c.CertAlt == "") != (c.KeyAlt == "") {
		e.Add("", "all or none of these fields must be set: 'cert_alt', 'key_alt'")
	} else if c.CertAlt != "" {
		alt := validatePair(&e, "cert_alt", c.CertAlt, "key_alt", c.KeyAlt)
		if main != nil && alt != nil && main.PublicKeyAlgorithm == alt.PublicKeyAlgorithm {
			e.Add("cert_alt", "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type")
		}
	}
	for i, s := range c.SNIs {
		if msg := sniName(s); msg != "" {
			e.Add(index("snis", i), msg)
		}
	}
	return e
}

// validatePair parses cert and key and checks they match. It returns the
// parsed certificate, or nil after recording why it could not.
func validatePair(e *Errors, certField, certPEM, keyField, keyPEM string) *x509.Certificate {
	if !e.required(certField, certPEM) {
		e.required(keyField, keyPEM)
		return nil
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		e.errorf(certField, "invalid certificate: %v", err)
	}
	if !e.required(keyField, keyPEM) {
		return cert
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		e.errorf(keyField, "invalid key: %v", err)
		return cert
	}
	if cert != nil {
		pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(key.Public()) {
			e.Add(keyField, "certificate does not match key")
		}
	}
	return cert
}

// parseCertPEM parses the first certificate of a PEM text.
func parseCertPEM(s string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not PEM encoded (expected -----BEGIN CERTIFICATE-----)")
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("PEM block is %q, expected CERTIFICATE", block.Type)
	}
	return x509.ParseCertificate(block.Bytes)
}

// parseKeyPEM parses a PKCS#8, PKCS#1 or SEC 1 private key.
func parseKeyPEM(s string) (crypto.Signer, error) {
	rest := []byte(s)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY-----)")
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			if signer, ok := k.(crypto.Signer); ok {
				return signer, nil
			}
			return nil, errors.New("unsupported private key type")
		}
		if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("cannot parse private key as PKCS#8, PKCS#1 or SEC 1")
		}
		return k, nil
	}
}

// sniName checks a server name: a host name, optionally with one leading or
// trailing wildcard label, never an IP address or a port. It returns "" or
// the reason.
func sniName(s string) string {
	switch {
	case s == "":
		return "required field missing"
	case net.ParseIP(s) != nil:
		return "must not be an IP"
	case strings.Contains(s, ":"):
		return "must not have a port"
	}
	return wildcardHost(s)
}

// Normalize lower-cases the name.
func (s *SNI) Normalize() {
	s.Name = strings.ToLower(strings.TrimSpace(s.Name))
	s.Tags = emptyToNil(s.Tags)
}

// Validate checks the server name and the certificate reference.
func (s *SNI) Validate() Errors {
	var e Errors
	e.meta(&s.Meta)
	if msg := sniName(s.Name); msg != "" {
		e.Add("name", msg)
	}
	e.requiredRef("certificate", s.Certificate)
	return e
}

// Normalize trims the PEM text and sets CertDigest to the hex SHA-256 of
// the certificate's DER, as Kong does.
func (c *CACertificate) Normalize() {
	c.Cert = strings.TrimSpace(c.Cert)
	if cert, err := parseCertPEM(c.Cert); err == nil {
		sum := sha256.Sum256(cert.Raw)
		c.CertDigest = hex.EncodeToString(sum[:])
	}
	c.Tags = emptyToNil(c.Tags)
}

// Validate requires exactly one certificate that is a CA and not expired.
func (c *CACertificate) Validate() Errors {
	var e Errors
	e.meta(&c.Meta)
	if !e.required("cert", c.Cert) {
		return e
	}
	cert, err := parseCertPEM(c.Cert)
	if err != nil {
		e.errorf("cert", "invalid certificate: %v", err)
		return e
	}
	if _, rest := pem.Decode([]byte(c.Cert)); len(strings.TrimSpace(string(rest))) > 0 {
		e.Add("cert", "please submit only one certificate at a time")
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		e.Add("cert", `certificate does not appear to be a CA because it is missing the "CA" basic constraint`)
	}
	if time.Now().After(cert.NotAfter) {
		e.Add("cert", `certificate expired, "Not After" time is in the past`)
	}
	sum := sha256.Sum256(cert.Raw)
	if c.CertDigest != "" && c.CertDigest != hex.EncodeToString(sum[:]) {
		e.Add("cert_digest", "does not match the certificate (leave it empty, it is computed)")
	}
	return e
}
