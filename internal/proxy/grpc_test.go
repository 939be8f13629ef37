package proxy_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// grpcUpstream starts the standard health service, plain (h2c) or over TLS.
func grpcUpstream(t *testing.T, withTLS bool) (*health.Server, string) {
	t.Helper()
	var opts []grpc.ServerOption
	if withTLS {
		c, k := certPEM(t, "grpc.upstream")
		pair, err := tls.X509KeyPair([]byte(c), []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(&pair)))
	}
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	hs.SetServingStatus("gantry.test", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return hs, ln.Addr().String()
}

func TestGRPC(t *testing.T) {
	t.Parallel()
	plainHS, plainAddr := grpcUpstream(t, false)
	tlsHS, tlsAddr := grpcUpstream(t, true)
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{
		"h2c": {HTTP2: true},
		"h2":  {TLS: true, HTTP2: true},
	})
	svcPlain := newService("grpc://" + plainAddr)
	svcTLS := newService("grpcs://" + tlsAddr)
	grpcRoute := func(svc *entity.Service, host string) *entity.Route {
		r := newRoute(svc, []string{"/grpc.health.v1.Health/"})
		r.Protocols = []string{"grpc", "grpcs"}
		r.StripPath = false
		r.Hosts = []string{host}
		return r
	}
	g.apply(&entity.Config{
		Services: []*entity.Service{svcPlain, svcTLS},
		Routes:   []*entity.Route{grpcRoute(svcPlain, "plain.upstream"), grpcRoute(svcTLS, "tls.upstream")},
	})

	clientTLS := credentials.NewTLS(&tls.Config{InsecureSkipVerify: true})
	tests := []struct {
		name      string
		listener  string
		creds     credentials.TransportCredentials
		authority string
		hs        *health.Server
	}{
		{"h2c listener to h2c upstream", "h2c", insecure.NewCredentials(), "plain.upstream", plainHS},
		{"TLS listener to h2c upstream", "h2", clientTLS, "plain.upstream", plainHS},
		{"h2c listener to TLS upstream", "h2c", insecure.NewCredentials(), "tls.upstream", tlsHS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := grpc.NewClient(g.addrs[tt.listener],
				grpc.WithTransportCredentials(tt.creds), grpc.WithAuthority(tt.authority))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			client := healthpb.NewHealthClient(conn)

			res, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "gantry.test"})
			if err != nil {
				t.Fatalf("unary Check through the proxy: %v", err)
			}
			if res.Status != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("status = %v, want SERVING", res.Status)
			}

			// A gRPC error travels in trailers: it must arrive intact.
			_, err = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "unknown"})
			if status.Code(err) != codes.NotFound {
				t.Errorf("Check of an unknown service: %v, want code NotFound", err)
			}

			// Server streaming: each update must be flushed through at once.
			name := "watch-" + uuid.NewString()
			tt.hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
			stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: name})
			if err != nil {
				t.Fatal(err)
			}
			first, err := stream.Recv()
			if err != nil || first.Status != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("first Watch message: %v %v", first, err)
			}
			tt.hs.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
			second, err := stream.Recv()
			if err != nil || second.Status != healthpb.HealthCheckResponse_NOT_SERVING {
				t.Fatalf("second Watch message: %v %v", second, err)
			}
		})
	}
}

// TestGRPCRouteMismatch: what Kong answers when a request does not fit
// the kind of its gRPC route.
func TestGRPCRouteMismatch(t *testing.T) {
	t.Parallel()
	_, addr := grpcUpstream(t, false)
	g := newGateway(t, proxy.Options{}, map[string]proxy.ListenOptions{"h2c": {HTTP2: true}})
	svc := newService("grpc://" + addr)
	route := func(path string, protocols ...string) *entity.Route {
		return newRoute(svc, []string{path}, func(r *entity.Route) { r.Protocols, r.StripPath = protocols, false })
	}
	g.apply(&entity.Config{
		Services: []*entity.Service{svc},
		Routes:   []*entity.Route{route("/grpc.health.v1.Health/", "grpcs"), route("/any", "grpc", "grpcs")},
	})

	t.Run("plain-text gRPC on a grpcs-only route", func(t *testing.T) {
		conn, err := grpc.NewClient(g.addrs["h2c"], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if st := status.Convert(err); st.Code() != codes.Canceled || st.Message() != "gRPC request matched gRPCs route" {
			t.Errorf("Check = %v, want code Canceled with Kong's message", err)
		}
	})
	t.Run("gRPC over HTTP/1.1", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, g.url()+"/any", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/grpc")
		res, body := do(t, http.DefaultClient, req)
		wantGatewayError(t, res, body, http.StatusUpgradeRequired, "Please use HTTP2 protocol")
	})
	t.Run("not gRPC", func(t *testing.T) {
		res, body := get(t, g.url()+"/any")
		wantGatewayError(t, res, body, http.StatusUnsupportedMediaType, "Non-gRPC request matched gRPC route")
	})
}
