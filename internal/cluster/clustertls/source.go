package clustertls

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PollInterval is how often a Source's Watch reads the certificate files.
// A change is applied once the files read the same at two checks in a row,
// so a pair written one file at a time is not refused half-written.
const PollInterval = 2 * time.Second

// Spec names a node's cluster TLS files as the settings give them.
type Spec struct {
	Cert, Key string // cluster_cert, cluster_cert_key: a path or inline PEM
	// PKI is cluster_mtls = pki; CA is then cluster_ca_cert.
	PKI bool
	CA  string
	// Role is this node's end of the cluster connection.
	Role Role
	// ServerName is cluster_server_name: a control plane's certificate
	// must carry it, a data plane sends it (pki mode).
	ServerName string
	// Check, on a control plane in pki mode, is run on every verified data
	// plane chain (OCSP); nil for none.
	Check func(chain []*x509.Certificate) error
}

// Material is one checked set of cluster TLS files.
type Material struct {
	Cert *Cert
	// Prev, in shared mode, is the certificate Cert replaced: it is still
	// accepted from the other end until it expires or the next rotation,
	// since control plane and data planes rotate at different moments.
	Prev *Cert
	CA   *CA // pki mode
	sum  [32]byte
}

// ServerConfig is the control plane's TLS configuration of m; check is
// pki mode's extra check of a data plane's chain (OCSP), or nil.
func (m *Material) ServerConfig(check func(chain []*x509.Certificate) error) *tls.Config {
	if m.CA != nil {
		return m.pkiServerConfig(check)
	}
	return m.sharedServerConfig()
}

// ClientConfig is the data plane's TLS configuration of m for one
// handshake; serverName is pki mode's SNI and expected name (empty: the
// host dialled).
func (m *Material) ClientConfig(serverName string) *tls.Config {
	if m.CA != nil {
		return m.pkiClientConfig(serverName)
	}
	return m.sharedClientConfig()
}

// Fingerprint is the SHA-256 of the certificate's DER, in hex: what logs
// show of a certificate (never its key).
func (c *Cert) Fingerprint() string {
	sum := sha256.Sum256(c.TLS.Certificate[0])
	return hex.EncodeToString(sum[:])
}

// files is what one read of a Spec's files returned.
type files struct {
	cert, key, ca             []byte
	certName, keyName, caName string
	sum                       [32]byte
}

// read reads the files of spec, and sums them so a change can be seen.
func (spec Spec) read() (*files, error) {
	f := &files{}
	var err error
	if f.cert, f.certName, err = read("cluster_cert", spec.Cert, pairHint); err != nil {
		return nil, err
	}
	if f.key, f.keyName, err = readKey("cluster_cert_key", spec.Key, pairHint); err != nil {
		return nil, err
	}
	if spec.PKI {
		if f.ca, f.caName, err = read("cluster_ca_cert", spec.CA, "check the path to the CA that issued the cluster certificates"); err != nil {
			return nil, err
		}
	}
	h := sha256.New()
	for _, b := range [][]byte{f.cert, f.key, f.ca} {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	h.Sum(f.sum[:0])
	return f, nil
}

// check parses what f holds and checks it as start-up does: the key is the
// certificate's, the certificate has not expired and, in pki mode, it
// chains to cluster_ca_cert with the Extended Key Usage of the role, and a
// control plane's carries cluster_server_name when set.
func (spec Spec) check(f *files) (*Material, error) {
	cert, err := parsePair(f.cert, f.key, f.certName, f.keyName)
	if err != nil {
		return nil, err
	}
	m := &Material{Cert: cert, sum: f.sum}
	if !spec.PKI {
		return m, nil
	}
	if m.CA, err = parseCA(f.ca, f.caName); err != nil {
		return nil, err
	}
	if err := m.CA.CheckOwn(cert, spec.Role); err != nil {
		return nil, fmt.Errorf("cluster_cert %s: %w", f.certName, err)
	}
	if spec.Role == RoleControlPlane && spec.ServerName != "" {
		if err := cert.CheckName(spec.ServerName); err != nil {
			return nil, fmt.Errorf("cluster_cert %s: %w", f.certName, err)
		}
	}
	return m, nil
}

// LoadMaterial reads and checks the files of spec once.
func LoadMaterial(spec Spec) (*Material, error) {
	f, err := spec.read()
	if err != nil {
		return nil, err
	}
	return spec.check(f)
}

// Source holds a node's cluster TLS material and replaces it when the
// files change (Reload on SIGHUP, Watch for changes on disk). Every TLS
// handshake takes the material current at its start, so new connections
// use the new certificate and established ones are left alone. A rotation
// that does not pass the start-up checks is refused, logged, and the
// current material stays. Create it with NewSource; it is safe for
// concurrent use.
type Source struct {
	spec Spec
	log  *slog.Logger
	cur  atomic.Pointer[Material]

	mu    sync.Mutex // one reload at a time; guards seen and tried
	seen  [32]byte   // the files at the last check
	tried [32]byte   // the files last loaded or refused
}

// NewSource loads and checks the files of spec; its error is start-up's.
func NewSource(spec Spec, log *slog.Logger) (*Source, error) {
	m, err := LoadMaterial(spec)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{spec: spec, log: log.With("component", "cluster"), seen: m.sum, tried: m.sum}
	s.cur.Store(m)
	return s, nil
}

// Current is the material in use.
func (s *Source) Current() *Material { return s.cur.Load() }

// ServerConfig is a control plane's TLS configuration for one handshake.
func (s *Source) ServerConfig() *tls.Config { return s.Current().ServerConfig(s.spec.Check) }

// ClientConfig is a data plane's TLS configuration for one handshake.
func (s *Source) ClientConfig() *tls.Config { return s.Current().ClientConfig(s.spec.ServerName) }

// Reload reads the files again and, if they changed, checks and uses
// them. A refusal is logged and returned; the current material stays.
func (s *Source) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.spec.read()
	if err == nil {
		s.seen, s.tried = f.sum, f.sum
	}
	return s.apply(f, err)
}

// Watch checks the files every interval (PollInterval when <= 0) until ctx
// ends. Polling, rather than file events, also sees Kubernetes' swap of a
// mounted secret's symlink.
func (s *Source) Watch(ctx context.Context, interval time.Duration) {
	if !s.watched() {
		return
	}
	if interval <= 0 {
		interval = PollInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.poll()
		}
	}
}

// watched says whether any of the settings is a file (not inline PEM).
func (s *Source) watched() bool {
	for _, v := range []string{s.spec.Cert, s.spec.Key, s.spec.CA} {
		if v != "" && !strings.Contains(v, "-----BEGIN") {
			return true
		}
	}
	return false
}

// poll applies the files once they changed and then read the same twice.
// A file that cannot be read counts as a change too (its error is logged
// once it persists).
func (s *Source) poll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.spec.read()
	var sum [32]byte
	if err != nil {
		sum = sha256.Sum256([]byte(err.Error()))
	} else {
		sum = f.sum
	}
	if sum != s.seen {
		s.seen = sum
		return
	}
	if sum == s.tried {
		return
	}
	s.tried = sum
	_ = s.apply(f, err)
}

// apply checks f (or reports readErr) and makes it current; s.mu is held.
func (s *Source) apply(f *files, readErr error) error {
	err := readErr
	var m *Material
	if err == nil {
		m, err = s.spec.check(f)
	}
	if err != nil {
		attrs := []any{"cluster_cert", s.name(s.spec.Cert), "cluster_cert_key", s.name(s.spec.Key)}
		if s.spec.PKI {
			attrs = append(attrs, "cluster_ca_cert", s.name(s.spec.CA))
		}
		s.log.Error("cluster certificate rotation refused: the current certificate stays in use", append(attrs, "error", err)...)
		return err
	}
	old := s.cur.Load()
	if m.sum == old.sum {
		s.log.Debug("cluster certificate files unchanged")
		return nil
	}
	switch {
	case m.CA != nil:
	case m.shared(old.Cert.TLS.Certificate[0]) == m.Cert:
		m.Prev = old.Prev // same certificate (a new CA file, say): keep the previous one
	default:
		m.Prev = old.Cert
	}
	s.cur.Store(m)
	attrs := []any{"cluster_cert", s.name(s.spec.Cert), "subject", m.Cert.Leaf.Subject.String(),
		"expires", m.Cert.Leaf.NotAfter.UTC().Format(time.RFC3339), "sha256", m.Cert.Fingerprint()}
	if m.CA != nil {
		attrs = append(attrs, "ca", m.CA.names())
	}
	if m.Prev != nil {
		attrs = append(attrs, "previous_sha256", m.Prev.Fingerprint(), "previous_accepted_until", m.Prev.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	s.log.Info("cluster certificate reloaded: new connections use it, established ones keep theirs until they reconnect", attrs...)
	return nil
}

// name is how a setting's value appears in logs: the path, or "(inline PEM)".
func (s *Source) name(v string) string {
	if strings.Contains(v, "-----BEGIN") {
		return "(inline PEM)"
	}
	return v
}
