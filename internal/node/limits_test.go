package node_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/settings"
)

// TestProxyLimitSettings checks the proxy_* protection settings reach the proxy.
func TestProxyLimitSettings(t *testing.T) {
	t.Parallel()
	up := upstream(t, "ok")
	n := runNode(t, setup{
		settings: nodeSettings(t, settings.Flag{Key: "proxy_max_headers", Value: "5"}, settings.Flag{Key: "proxy_max_header_size", Value: "2048"}),
		source:   &switchSource{cfg: oneRoute(up.URL)},
	})
	send := func(headers int, valueLen int) int {
		req, _ := http.NewRequest(http.MethodGet, n.Listeners().Proxy[0].URL()+"/", nil)
		for i := range headers {
			req.Header.Set(fmt.Sprintf("X-H%d", i), strings.Repeat("v", valueLen))
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name            string
		headers, valLen int
		wantCode        int
	}{
		{name: "within limits", headers: 2, valLen: 10, wantCode: 200},
		{name: "too many headers", headers: 10, valLen: 1, wantCode: 431},
		{name: "headers too large", headers: 1, valLen: 16384, wantCode: 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := send(tt.headers, tt.valLen); code != tt.wantCode {
				t.Fatalf("status %d, want %d", code, tt.wantCode)
			}
		})
	}
}
