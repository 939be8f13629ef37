package snapshot

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// CertStore picks the certificate a TLS handshake is answered with, by SNI:
// an exact name first, then a leading wildcard ("*.example.com" covers
// exactly one more label), then a trailing one ("example.*"), else the
// default certificate. It is immutable and safe for concurrent use.
type CertStore struct {
	exact  map[string]*certPair
	prefix map[string]*certPair // "*.example.com" stored as "example.com"
	suffix map[string]*certPair // "example.*" stored as "example"
	def    *tls.Certificate
}

// certPair is a certificate and its optional alternate (cert_alt/key_alt,
// typically ECDSA next to RSA), chosen by what the client supports.
type certPair struct {
	main, alt *tls.Certificate
}

func newCertStore(cfg *entity.Config, def *tls.Certificate) (*CertStore, error) {
	cs := &CertStore{
		exact:  map[string]*certPair{},
		prefix: map[string]*certPair{},
		suffix: map[string]*certPair{},
		def:    def,
	}
	pairs := make(map[string]*certPair, len(cfg.Certificates))
	for _, c := range cfg.Certificates {
		p, err := parsePair(c)
		if err != nil {
			return nil, err
		}
		pairs[c.ID] = p
		for _, n := range c.SNIs {
			if err := cs.add(n, p); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range cfg.SNIs {
		p, ok := pairs[entity.RefID(s.Certificate)]
		if !ok {
			return nil, fmt.Errorf("sni %q: certificate %q does not exist", s.Name, entity.RefID(s.Certificate))
		}
		if err := cs.add(s.Name, p); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

func parsePair(c *entity.Certificate) (*certPair, error) {
	main, err := tls.X509KeyPair([]byte(c.Cert), []byte(c.Key))
	if err != nil {
		return nil, fmt.Errorf("certificate %s: cert/key: %w", c.ID, err)
	}
	p := &certPair{main: &main}
	if c.CertAlt != "" {
		alt, err := tls.X509KeyPair([]byte(c.CertAlt), []byte(c.KeyAlt))
		if err != nil {
			return nil, fmt.Errorf("certificate %s: cert_alt/key_alt: %w", c.ID, err)
		}
		p.alt = &alt
	}
	return p, nil
}

func (cs *CertStore) add(sni string, p *certPair) error {
	n := strings.ToLower(sni)
	m := cs.exact
	switch {
	case strings.HasPrefix(n, "*."):
		m, n = cs.prefix, n[2:]
	case strings.HasSuffix(n, ".*"):
		m, n = cs.suffix, n[:len(n)-2]
	}
	if prev, ok := m[n]; ok && prev != p {
		return fmt.Errorf("sni %q: used by two certificates; give each name one certificate", sni)
	}
	m[n] = p
	return nil
}

// lookup returns the pair for serverName, or nil when only the default
// certificate applies.
func (cs *CertStore) lookup(serverName string) *certPair {
	n := strings.ToLower(strings.TrimSuffix(serverName, "."))
	if n == "" {
		return nil
	}
	if p := cs.exact[n]; p != nil {
		return p
	}
	if i := strings.IndexByte(n, '.'); i > 0 {
		if p := cs.prefix[n[i+1:]]; p != nil {
			return p
		}
	}
	if i := strings.LastIndexByte(n, '.'); i > 0 {
		if p := cs.suffix[n[:i]]; p != nil {
			return p
		}
	}
	return nil
}

// Certificate returns the certificate for a handshake: the SNI's, its
// alternate when the client cannot use the main one, else the default.
func (cs *CertStore) Certificate(hello *tls.ClientHelloInfo) *tls.Certificate {
	p := cs.lookup(hello.ServerName)
	if p == nil {
		return cs.def
	}
	if p.alt != nil && hello.SupportsCertificate(p.main) != nil && hello.SupportsCertificate(p.alt) == nil {
		return p.alt
	}
	return p.main
}

// Default returns the certificate served when no SNI matches.
func (cs *CertStore) Default() *tls.Certificate { return cs.def }
