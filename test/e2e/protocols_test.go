package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestWebSocketAndGRPCThroughBinary: a WebSocket echo and a gRPC unary call
// through a DB-less node whose plain listener also speaks h2c. The gRPC route
// leaves strip_path out: as in Kong, that means false for a gRPC route.
func TestWebSocketAndGRPCThroughBinary(t *testing.T) {
	t.Parallel()
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
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
	t.Cleanup(ws.Close)

	grpcSrv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("gantry.e2e", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(grpcSrv, hs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = grpcSrv.Serve(ln) }()
	t.Cleanup(func() { grpcSrv.Stop(); <-served })

	doc := fmt.Sprintf(`_format_version: "3.0"
services:
- name: ws
  url: %s
  routes: [{name: ws, paths: [/ws]}]
- name: grpc
  url: grpc://%s
  routes:
  - name: grpc
    protocols: [grpc]
    paths: [/grpc.health.v1.Health/]
`, ws.URL, ln.Addr())
	n := startDBLess(t, declFile(t, doc), "GANTRY_PROXY_LISTEN=127.0.0.1:0 http2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("websocket echo", func(t *testing.T) {
		c, res, err := websocket.Dial(ctx, "ws://"+n.Listeners.Proxy[0].Address+"/ws", nil)
		if err != nil {
			t.Fatalf("dial through the proxy: %v", err)
		}
		defer c.CloseNow()
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Errorf("handshake status = %d, want 101", res.StatusCode)
		}
		for _, msg := range []string{"one", "two"} {
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.Read(ctx); err != nil || string(got) != "echo: "+msg {
				t.Fatalf("read %q (%v), want the upstream's echo of %q", got, err, msg)
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
	t.Run("grpc unary call over h2c", func(t *testing.T) {
		conn, err := grpc.NewClient(n.Listeners.Proxy[0].Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "gantry.e2e"})
		if err != nil || res.Status != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("Check through the proxy = %v (%v), want SERVING from the upstream", res, err)
		}
	})
}
