package node

import (
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
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

func TestBadListenerCertificateStopsStart(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.crt")
	s := settings(t,
		config.Flag{Key: "status_listen", Value: "127.0.0.1:0 ssl"},
		config.Flag{Key: "status_ssl_cert", Value: missing},
		config.Flag{Key: "status_ssl_cert_key", Value: missing + ".key"})
	n, err := New(Options{Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "status_ssl_cert") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Run = %v, want an error naming status_ssl_cert and the file", err)
	}
	if _, err := os.Stat(filepath.Join(s.Prefix, ListenersFile)); !os.IsNotExist(err) {
		t.Errorf("listeners.json left behind by a failed start (%v)", err)
	}
}
