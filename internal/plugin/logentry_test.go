package plugin_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
)

func TestLogEntryRedactsCredentials(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-token"
	tests := []struct {
		name   string
		hide   []string
		uri    string
		header [2]string
	}{
		{name: "authorization always", uri: "/p", header: [2]string{"Authorization", "Bearer " + secret}},
		{name: "proxy-authorization always", uri: "/p", header: [2]string{"Proxy-Authorization", "Basic " + secret}},
		{name: "named header, any case", hide: []string{"ApiKey"}, uri: "/p", header: [2]string{"apikey", secret}},
		{name: "named query argument", hide: []string{"jwt"}, uri: "/p?x=1&jwt=" + secret + "&jwt=" + secret},
		{name: "escaped query argument name", hide: []string{"api key"}, uri: "/p?api%20key=" + secret},
		{name: "cookie", hide: []string{"cookie"}, uri: "/p", header: [2]string{"Cookie", "jwt=" + secret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tt.uri, nil)
			if tt.header[0] != "" {
				r.Header.Set(tt.header[0], tt.header[1])
			}
			ctx := plugin.AcquireContext(httptest.NewRecorder(), r)
			defer plugin.ReleaseContext(ctx)
			ctx.UpstreamURI = r.URL.RequestURI()
			ctx.HideFromLogs(tt.hide...)
			b, err := json.Marshal(ctx.LogEntry())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), secret) {
				t.Errorf("log entry holds the credential: %s", b)
			}
			if !strings.Contains(string(b), "REDACTED") {
				t.Errorf("log entry does not say what it redacted: %s", b)
			}
		})
	}
	t.Run("other arguments are kept", func(t *testing.T) {
		t.Parallel()
		ctx := plugin.AcquireContext(httptest.NewRecorder(), httptest.NewRequest("GET", "/p?a=1&apikey=k&b=%2F", nil))
		defer plugin.ReleaseContext(ctx)
		ctx.HideFromLogs("apikey")
		if e := ctx.LogEntry(); e.Request.URI != "/p?a=1&apikey=REDACTED&b=%2F" || e.Request.Querystring["b"] != "/" {
			t.Errorf("uri %q, querystring %v", e.Request.URI, e.Request.Querystring)
		}
	})
	t.Run("a released context forgets the names", func(t *testing.T) {
		t.Parallel()
		ctx := plugin.AcquireContext(httptest.NewRecorder(), httptest.NewRequest("GET", "/p?apikey=k", nil))
		ctx.HideFromLogs("apikey")
		plugin.ReleaseContext(ctx)
		ctx = plugin.AcquireContext(httptest.NewRecorder(), httptest.NewRequest("GET", "/p?apikey=k", nil))
		defer plugin.ReleaseContext(ctx)
		if e := ctx.LogEntry(); e.Request.Querystring["apikey"] != "k" {
			t.Errorf("apikey = %v on a request no plugin hid it for", e.Request.Querystring["apikey"])
		}
	})
}
