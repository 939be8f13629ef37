package node

import (
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/settings"
)

func TestReusePort(t *testing.T) {
	t.Parallel()
	first, err := bindAll(t.Context(), "proxy_listen", []settings.Listen{{Address: "127.0.0.1:0", ReusePort: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer first[0].Close()
	addr := first[0].Addr().String()
	tests := []struct {
		name    string
		spec    settings.Listen
		wantErr bool
	}{
		{name: "reuseport shares the address", spec: settings.Listen{Address: addr, ReusePort: true}},
		{name: "without reuseport the address is taken", spec: settings.Listen{Address: addr}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := bindAll(t.Context(), "proxy_listen", []settings.Listen{tt.spec})
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
