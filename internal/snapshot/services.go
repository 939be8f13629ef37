package snapshot

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// Service is a service with its upstream settings resolved at build time,
// so the proxy does no config work per request.
type Service struct {
	Service *entity.Service
	// Upstream is the upstream named by the service host, or nil: then the
	// proxy dials Addr directly (system resolver).
	Upstream *Upstream
	// Addr is host:port for a service without upstream.
	Addr string
	// Scheme is the upstream URL scheme: "http" (http, grpc, ws) or
	// "https" (https, grpcs, wss).
	Scheme string
	// HTTP2 says requests go upstream over HTTP/2: h2c for grpc, ALPN h2
	// for grpcs.
	HTTP2 bool
	// GRPC says the service speaks gRPC: responses stream unbuffered.
	GRPC bool
	// HostHeader is the Host sent upstream when the route does not
	// preserve it: the upstream's host_header, else the service host (with
	// a non-default port). Empty for an upstream without host_header: the
	// chosen target's host name is used then.
	HostHeader string
	// TLS is the client TLS config for https/grpcs services (ServerName is
	// set per connection); nil for plain text.
	TLS *tls.Config
	// ConnectTimeout, WriteTimeout and ReadTimeout are the service
	// timeouts (Kong's milliseconds, converted).
	ConnectTimeout, WriteTimeout, ReadTimeout time.Duration
	// TransportKey is equal for services that can share an upstream
	// connection pool (same protocol, TLS settings and timeouts), across
	// snapshots too.
	TransportKey string
}

// buildServices resolves every service's upstream, TLS and timeouts.
func (s *Snapshot) buildServices(cfg *entity.Config) error {
	certs := make(map[string]*entity.Certificate, len(cfg.Certificates))
	for _, c := range cfg.Certificates {
		certs[c.ID] = c
	}
	cas := make(map[string]*entity.CACertificate, len(cfg.CACertificates))
	for _, c := range cfg.CACertificates {
		cas[c.ID] = c
	}
	s.services = make(map[string]*Service, len(cfg.Services))
	for _, es := range cfg.Services {
		svc, err := newService(es, s.Upstream(es.Host), certs, cas)
		if err != nil {
			return fmt.Errorf("snapshot: service %s: %w", name(es.Name, es.ID), err)
		}
		s.services[es.ID] = svc
	}
	return nil
}

func newService(es *entity.Service, up *Upstream, certs map[string]*entity.Certificate, cas map[string]*entity.CACertificate) (*Service, error) {
	svc := &Service{
		Service:        es,
		Upstream:       up,
		Scheme:         "http",
		ConnectTimeout: ms(es.ConnectTimeout),
		WriteTimeout:   ms(es.WriteTimeout),
		ReadTimeout:    ms(es.ReadTimeout),
	}
	port := es.Port
	switch es.Protocol {
	case "https", "wss":
		svc.Scheme = "https"
	case "grpc":
		svc.HTTP2, svc.GRPC = true, true
	case "grpcs":
		svc.Scheme, svc.HTTP2, svc.GRPC = "https", true, true
	}
	if port == 0 {
		port = 80
		if svc.Scheme == "https" {
			port = 443
		}
	}
	svc.Addr = net.JoinHostPort(es.Host, strconv.Itoa(port))
	switch {
	case up != nil:
		svc.HostHeader = up.Upstream.HostHeader
	case port == 80 && svc.Scheme == "http", port == 443 && svc.Scheme == "https":
		svc.HostHeader = es.Host
	default:
		svc.HostHeader = svc.Addr
	}
	tlsKey := ""
	if svc.Scheme == "https" {
		cfg, key, err := clientTLS(es, up, certs, cas)
		if err != nil {
			return nil, err
		}
		svc.TLS, tlsKey = cfg, key
	}
	svc.TransportKey = fmt.Sprintf("%s|h2=%t|c=%d|w=%d|r=%d|%s", svc.Scheme, svc.HTTP2,
		es.ConnectTimeout, es.WriteTimeout, es.ReadTimeout, tlsKey)
	return svc, nil
}

// clientTLS builds the TLS config for an https/grpcs service: verification
// per tls_verify (off by default, as Kong), trusted CAs from
// ca_certificates, and the client certificate of the service, else of its
// upstream. tls_verify_depth is not enforced.
func clientTLS(es *entity.Service, up *Upstream, certs map[string]*entity.Certificate, cas map[string]*entity.CACertificate) (*tls.Config, string, error) {
	verify := es.TLSVerify != nil && *es.TLSVerify
	cfg := &tls.Config{InsecureSkipVerify: !verify, MinVersion: tls.VersionTLS12}
	key := fmt.Sprintf("verify=%t", verify)
	if len(es.CACertificates) > 0 {
		pool := x509.NewCertPool()
		var pems []string
		for i, id := range es.CACertificates {
			ca, ok := cas[id]
			if !ok {
				return nil, "", fmt.Errorf("ca_certificates[%d]: %q does not exist", i, id)
			}
			if !pool.AppendCertsFromPEM([]byte(ca.Cert)) {
				return nil, "", fmt.Errorf("ca_certificates[%d]: %q holds no PEM certificate", i, id)
			}
			pems = append(pems, ca.Cert)
		}
		cfg.RootCAs = pool
		key += "|ca=" + digest(pems...)
	}
	ref := es.ClientCertificate
	if ref == nil && up != nil {
		ref = up.Upstream.ClientCertificate
	}
	if id := entity.RefID(ref); id != "" {
		c, ok := certs[id]
		if !ok {
			return nil, "", fmt.Errorf("client_certificate: %q does not exist", id)
		}
		pair, err := tls.X509KeyPair([]byte(c.Cert), []byte(c.Key))
		if err != nil {
			return nil, "", fmt.Errorf("client_certificate %q: %w", id, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
		key += "|cert=" + digest(c.Cert, c.Key)
	}
	return cfg, key, nil
}

// digest identifies PEM contents in a transport key, so a changed
// certificate gets a fresh connection pool.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }
