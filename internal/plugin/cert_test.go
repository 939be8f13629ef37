package plugin_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

func TestCertificatePhase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mode    string
		scope   plugintest.Scope
		served  bool
		wantErr string
	}{
		{name: "global instance chooses the certificate", mode: "ok", served: true},
		{name: "route instance does not run in the handshake", mode: "ok", scope: plugintest.Scope{Route: "r"}},
		{name: "panic fails the handshake only", mode: "panic", wantErr: "panic: test-cert panic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := plugintest.Basic(plugintest.Plugin("test-cert", map[string]any{"mode": tt.mode}, tt.scope))
			cs, err := plugin.Bundled(nil).BuildChains(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cc := &plugin.CertContext{Hello: &tls.ClientHelloInfo{ServerName: "api.test"}}
			err = cs.RunCertificate(cc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if served := cc.Certificate != nil && string(cc.Certificate.OCSPStaple) == "api.test"; served != tt.served {
				t.Errorf("certificate served = %v, want %v", served, tt.served)
			}
		})
	}
}
