package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// http2Gateway serves one echo route on a TLS+h2 and an h2c listener.
func http2Gateway(t *testing.T) *gateway {
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{
		"h2":  {TLS: true, HTTP2: true},
		"h2c": {HTTP2: true},
		"h1s": {TLS: true},
	})
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	return g
}

func TestHTTP2(t *testing.T) {
	t.Parallel()
	g := http2Gateway(t)
	insecure := &tls.Config{InsecureSkipVerify: true}
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	tests := []struct {
		name      string
		url       string
		transport *http.Transport
		wantProto int
	}{
		{"TLS with ALPN h2", "https://" + g.addrs["h2"], &http.Transport{TLSClientConfig: insecure, ForceAttemptHTTP2: true}, 2},
		{"TLS listener without http2 stays HTTP/1.1", "https://" + g.addrs["h1s"], &http.Transport{TLSClientConfig: insecure, ForceAttemptHTTP2: true}, 1},
		{"h2c with prior knowledge", "http://" + g.addrs["h2c"], &http.Transport{Protocols: h2c}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(tt.transport.CloseIdleConnections)
			req, _ := http.NewRequest(http.MethodPost, tt.url+"/x", strings.NewReader("hello"))
			res, body := do(t, &http.Client{Transport: tt.transport}, req)
			if res.StatusCode != http.StatusOK || res.ProtoMajor != tt.wantProto {
				t.Fatalf("status %d over %s, want 200 over HTTP/%d", res.StatusCode, res.Proto, tt.wantProto)
			}
			if !bytes.Contains(body, []byte(`"body":"hello"`)) {
				t.Errorf("upstream did not get the body: %s", body)
			}
		})
	}
}

// TestH2CUpgrade speaks the HTTP/1.1 Upgrade: h2c handshake by hand and
// reads the response to stream 1 as HTTP/2 frames.
func TestH2CUpgrade(t *testing.T) {
	t.Parallel()
	g := http2Gateway(t)
	conn, err := net.DialTimeout("tcp", g.addrs["h2c"], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(conn, "GET /up HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\n"+
		"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", res.StatusCode)
	}
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, br)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var status string
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) {
		if f.Name == ":status" {
			status = f.Value
		}
	})
	var body []byte
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading frames: %v (status %q, body %q)", err, status, body)
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			if f.StreamID == 1 {
				if _, err := dec.Write(f.HeaderBlockFragment()); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.DataFrame:
			if f.StreamID == 1 {
				body = append(body, f.Data()...)
			}
		}
		if f.Header().StreamID == 1 && f.Header().Flags.Has(http2.FlagDataEndStream) {
			break
		}
	}
	if status != "200" || !bytes.Contains(body, []byte(`"path":"/up"`)) {
		t.Errorf("status %q body %s, want 200 from the echo upstream", status, body)
	}
}

func TestWebSocket(t *testing.T) {
	t.Parallel()
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/ws"})}})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws://"+g.addrs["http"]+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("handshake status = %d", res.StatusCode)
	}
	for _, msg := range []string{"one", "two", strings.Repeat("x", 70000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "echo: "+msg {
			t.Errorf("got %.20q..., want echo of %.20q...", got, msg)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}
