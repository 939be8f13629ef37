package clustertls

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// Creds wraps gRPC's TLS credentials so that every failed handshake is
// logged with the peer's address and the reason (garbage on the cluster
// port, a foreign certificate), and so that a stream can reach its own
// connection to close it (see Conn).
func Creds(cfg *tls.Config, log *slog.Logger) credentials.TransportCredentials {
	tc := credentials.NewTLS(cfg)
	return &creds{TransportCredentials: tc, each: func() credentials.TransportCredentials { return tc }, log: log}
}

// CredsFunc is Creds with a configuration made for every handshake by
// conf (Source.ServerConfig or Source.ClientConfig), so each new
// connection uses the certificates current when it is made.
func CredsFunc(conf func() *tls.Config, log *slog.Logger) credentials.TransportCredentials {
	return &creds{
		TransportCredentials: credentials.NewTLS(conf()),
		each:                 func() credentials.TransportCredentials { return credentials.NewTLS(conf()) },
		log:                  log,
	}
}

// NodeCreds are the cluster credentials of a node of role: from src for
// every handshake when src is set, else from conf, else shared mode's of
// cert.
func NodeCreds(role Role, src *Source, conf *tls.Config, cert *Cert, log *slog.Logger) credentials.TransportCredentials {
	server := role == RoleControlPlane
	switch {
	case src != nil && server:
		return CredsFunc(src.ServerConfig, log)
	case src != nil:
		return CredsFunc(src.ClientConfig, log)
	case conf != nil:
	case server:
		conf = ServerConfig(cert)
	default:
		conf = ClientConfig(cert)
	}
	return Creds(conf, log)
}

type creds struct {
	credentials.TransportCredentials // for Info
	each                             func() credentials.TransportCredentials
	log                              *slog.Logger
}

// ServerHandshake implements credentials.TransportCredentials.
func (c *creds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.each().ServerHandshake(raw)
	if err != nil {
		c.log.Warn("cluster connection refused during the TLS handshake", "remote", raw.RemoteAddr().String(), "error", err)
		return nil, nil, err
	}
	return conn, &ConnInfo{TLSInfo: info.(credentials.TLSInfo), conn: conn}, nil
}

// ClientHandshake implements credentials.TransportCredentials.
func (c *creds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.each().ClientHandshake(ctx, authority, raw)
	if err != nil {
		return nil, nil, err
	}
	return conn, &ConnInfo{TLSInfo: info.(credentials.TLSInfo), conn: conn}, nil
}

// Clone implements credentials.TransportCredentials.
func (c *creds) Clone() credentials.TransportCredentials {
	return &creds{TransportCredentials: c.TransportCredentials.Clone(), each: c.each, log: c.log}
}

// ConnInfo is the AuthInfo of a cluster connection: the TLS state plus the
// connection, so a stream handler can close a stalled or abusive peer's
// connection (which ends only that peer's stream).
type ConnInfo struct {
	credentials.TLSInfo
	conn net.Conn
}

// Close closes the connection under the stream.
func (i *ConnInfo) Close() error { return i.conn.Close() }

// FromContext returns the ConnInfo of the stream whose context ctx is.
func FromContext(ctx context.Context) (*ConnInfo, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, false
	}
	ci, ok := p.AuthInfo.(*ConnInfo)
	return ci, ok
}
