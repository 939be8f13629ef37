package balancer

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is a real DNS server on loopback UDP. It answers A queries from
// a table the test edits (TTL 1 s); a name not in the table gets NXDOMAIN.
type dnsServer struct {
	conn    net.PacketConn
	queries atomic.Int64
	mu      sync.Mutex
	hosts   map[string][]netip.Addr // fully qualified, lower case: "svc.test."
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{conn: conn, hosts: map[string][]netip.Addr{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return s
}

// set makes host resolve to addrs; no addrs removes the name.
func (s *dnsServer) set(host string, addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(host) + "."
	if len(addrs) == 0 {
		delete(s.hosts, name)
		return
	}
	s.hosts[name] = nil
	for _, a := range addrs {
		s.hosts[name] = append(s.hosts[name], netip.MustParseAddr(a))
	}
}

// resolver is Go's own DNS client, sending every query to this server.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.conn.LocalAddr().String())
	}}
}

// serve answers until the connection is closed.
func (s *dnsServer) serve() {
	buf := make([]byte, 512)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil {
			continue
		}
		q, err := p.Question()
		if err != nil {
			continue
		}
		s.queries.Add(1)
		if msg, err := s.answer(h, q); err == nil {
			_, _ = s.conn.WriteTo(msg, from)
		}
	}
}

func (s *dnsServer) answer(h dnsmessage.Header, q dnsmessage.Question) ([]byte, error) {
	s.mu.Lock()
	addrs, known := s.hosts[strings.ToLower(q.Name.String())]
	s.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if q.Type != dnsmessage.TypeA || !a.Is4() {
			continue
		}
		rr := dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 1}
		if err := b.AResource(rr, dnsmessage.AResource{A: a.As4()}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}
