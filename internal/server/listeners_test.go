package server

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/config"
)

func TestReusePort(t *testing.T) {
	t.Parallel()
	first, err := bindAll(t.Context(), "proxy_listen", []config.Listen{{Address: "127.0.0.1:0", ReusePort: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer first[0].Close()
	addr := first[0].Addr().String()
	tests := []struct {
		name    string
		spec    config.Listen
		wantErr bool
	}{
		{name: "reuseport shares the address", spec: config.Listen{Address: addr, ReusePort: true}},
		{name: "without reuseport the address is taken", spec: config.Listen{Address: addr}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := bindAll(t.Context(), "proxy_listen", []config.Listen{tt.spec})
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "proxy_listen: cannot listen on "+addr) {
					t.Fatalf("bind = %v, want an error naming the setting and address", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ls[0].Close()
		})
	}
}

func TestStatusOverTLS(t *testing.T) {
	t.Parallel()
	n, _ := runNode(t, Options{Settings: settings(t, config.Flag{Key: "status_listen", Value: "127.0.0.1:0 ssl"})})
	b := n.Listeners().Status[0]
	if !b.SSL || !strings.HasPrefix(b.URL(), "https://") {
		t.Fatalf("status listener %+v, want ssl", b)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(b.URL() + "/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("GET /status over TLS = %d (tls %v)", resp.StatusCode, resp.TLS != nil)
	}
}

func TestListenerFailureStopsNode(t *testing.T) {
	t.Parallel()
	n, err := New(Options{Settings: settings(t, config.Flag{Key: "proxy_listen", Value: "127.0.0.1:0 proxy_protocol"})})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(t.Context()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "proxy_protocol") {
			t.Fatalf("Run = %v, want an error about proxy_protocol", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("node kept running with a listener that cannot serve")
	}
}
