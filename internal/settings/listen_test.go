package settings

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseListen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []Listen
		wantErr string
	}{
		{name: "off", in: "off", want: nil},
		{name: "one address", in: "127.0.0.1:8000", want: []Listen{{Address: "127.0.0.1:8000"}}},
		{name: "port zero", in: "127.0.0.1:0", want: []Listen{{Address: "127.0.0.1:0"}}},
		{name: "default proxy list", in: "0.0.0.0:8000, 0.0.0.0:8443 ssl", want: []Listen{{Address: "0.0.0.0:8000"}, {Address: "0.0.0.0:8443", SSL: true}}},
		{name: "every option", in: "[::1]:9443 ssl http2 reuseport proxy_protocol", want: []Listen{{Address: "[::1]:9443", SSL: true, HTTP2: true, ReusePort: true, ProxyProtocol: true}}},
		{name: "unknown option", in: "127.0.0.1:8000 h3", wantErr: `unknown listen option "h3"`},
		{name: "bad port", in: "127.0.0.1:70000", wantErr: "from 0 to 65535"},
		{name: "no port", in: "127.0.0.1", wantErr: "is not host:port"},
		{name: "no host", in: ":8000", wantErr: "has no host"},
		{name: "off inside list", in: "127.0.0.1:8000, off", wantErr: `"off" must be the whole value`},
		{name: "trailing comma", in: "127.0.0.1:8000,", wantErr: "empty entry"},
		{name: "empty", in: "", wantErr: "must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseListen(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseListen(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseListen(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseListen(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestListenStringRoundTrips(t *testing.T) {
	t.Parallel()
	in := "[::1]:9443 ssl http2 reuseport proxy_protocol"
	l, err := ParseListen(in)
	if err != nil || len(l) != 1 || l[0].String() != in {
		t.Fatalf("ParseListen(%q) = %v, %v; String() must give the input back", in, l, err)
	}
}

func TestParseLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{name: "two labels", in: "region:eu-west, tier:gold", want: map[string]string{"region": "eu-west", "tier": "gold"}},
		{name: "missing colon", in: "region", wantErr: "must be key:value"},
		{name: "bad character", in: "re gion:eu", wantErr: "letters, digits"},
		{name: "duplicate", in: "a:1,a:2", wantErr: "appears twice"},
		{name: "too many", in: "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1", wantErr: "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseLabels(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseLabels(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseLabels(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
