package proxy_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"

	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

func proxyV1(src string) []byte {
	return []byte("PROXY TCP4 " + src + " 127.0.0.1 40000 8000\r\n")
}

func proxyV2(src string) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n")
	b = append(b, 0x21, 0x11, 0, 12) // v2 PROXY, TCP over IPv4, 12 address bytes
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr("127.0.0.1").As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, 40000), 8000)
}

// TestProxyProtocol sends PROXY headers the way a load balancer does and
// checks which client address reaches the upstream.
func TestProxyProtocol(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	svc := newService(up.URL)
	cfg := &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}}
	listeners := func() map[string]proxy.ListenOptions {
		return map[string]proxy.ListenOptions{
			"pp":  {ProxyProtocol: true},
			"pps": {ProxyProtocol: true, TLS: true},
		}
	}
	trusting := newGateway(t, proxy.Options{TrustedIPs: []netip.Prefix{mustPrefix(t, "127.0.0.0/8")}}, listeners())
	trusting.apply(cfg)
	distrusting := newGateway(t, proxy.Options{}, listeners())
	distrusting.apply(cfg)

	tests := []struct {
		name     string
		g        *gateway
		listener string
		header   []byte
		want     string
	}{
		{"v1 from a trusted balancer", trusting, "pp", proxyV1("203.0.113.7"), "203.0.113.7"},
		{"v2 from a trusted balancer", trusting, "pp", proxyV2("198.51.100.4"), "198.51.100.4"},
		{"v1 before TLS", trusting, "pps", proxyV1("203.0.113.8"), "203.0.113.8"},
		{"UNKNOWN keeps the balancer's address", trusting, "pp", []byte("PROXY UNKNOWN\r\n"), "127.0.0.1"},
		{"untrusted balancer's header is ignored", distrusting, "pp", proxyV1("203.0.113.7"), "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.g.addrs[tt.listener])
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write(tt.header); err != nil {
				t.Fatal(err)
			}
			if tt.listener == "pps" {
				c = tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "gw.example"})
			}
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: gw\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			e := decodeEcho(t, body)
			if got := e.Header.Get("X-Real-Ip"); got != tt.want {
				t.Errorf("X-Real-IP = %q, want %q", got, tt.want)
			}
			if got := e.Header.Get("X-Forwarded-For"); got != tt.want {
				t.Errorf("X-Forwarded-For = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("connection without a header is closed", func(t *testing.T) {
		c := dial(t, trusting.addrs["pp"])
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: gw\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		// Go's server may say 400 before closing; the request must not
		// reach the upstream, and the connection must end.
		b, err := io.ReadAll(c)
		if err != nil || bytes.Contains(b, []byte(`"server":"a"`)) || (len(b) > 0 && !bytes.HasPrefix(b, []byte("HTTP/1.1 400 "))) {
			t.Errorf("got %q (%v), want the connection closed, at most after a 400", b, err)
		}
	})
}
