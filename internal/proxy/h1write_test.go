package proxy

import (
	"bufio"
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestWriteRequest: the fast path's request writer sends upstream what
// http.Transport would: same request line, Host, header fields and
// Content-Length; header fields Transport refuses (CR, LF or NUL in a
// value, a bad name) are refused, not sent.
func TestWriteRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(r *http.Request)
		wantErr bool
	}{
		{"plain GET", func(r *http.Request) {}, false},
		{"query and escaped path", func(r *http.Request) {
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery = "/a b/c%2Fd", "/a%20b/c%2Fd", "x=1&y=%20"
		}, false},
		{"HEAD", func(r *http.Request) { r.Method = http.MethodHead }, false},
		{"repeated header", func(r *http.Request) { r.Header["X-Forwarded-For"] = []string{"1.2.3.4", "5.6.7.8"} }, false},
		{"no User-Agent", func(r *http.Request) { r.Header["User-Agent"] = nil }, false},
		{"empty User-Agent", func(r *http.Request) { r.Header["User-Agent"] = []string{""} }, false},
		{"two User-Agents", func(r *http.Request) { r.Header["User-Agent"] = []string{"first", "second"} }, false},
		{"newline in a value", func(r *http.Request) { r.Header.Set("X-Evil", "a\r\nInjected: yes") }, true},
		{"bare LF in a value", func(r *http.Request) { r.Header.Set("X-Evil", "a\nInjected: yes") }, true},
		{"NUL in a value", func(r *http.Request) { r.Header.Set("X-Evil", "a\x00b") }, true},
		{"CR in X-Forwarded-Prefix", func(r *http.Request) { r.Header.Set("X-Forwarded-Prefix", "/a\rb") }, true},
		{"PUT", func(r *http.Request) { r.Method = http.MethodPut }, false},
		{"DELETE", func(r *http.Request) { r.Method = http.MethodDelete }, false},
		{"OPTIONS", func(r *http.Request) { r.Method = http.MethodOptions }, false},
		{"TRACE", func(r *http.Request) { r.Method = http.MethodTrace }, false},
		{"padded value", func(r *http.Request) { r.Header["X-Pad"] = []string{"  v \t"} }, false},
		{"invalid field name", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }, true},
		{"field name with colon", func(r *http.Request) { r.Header["X-A: b\r\nX-C"] = []string{"v"} }, true},
		{"excluded fields", func(r *http.Request) {
			r.Header["Host"] = []string{"other.example"}
			r.Header["Content-Length"] = []string{"10"}
			r.Header["Trailer"] = []string{"X-T"}
		}, false},
		{"host from URL", func(r *http.Request) { r.Host = "" }, false},
		{"IPv6 host", func(r *http.Request) { r.Host = "[::1]:8080" }, false},
		{"IPv6 zone", func(r *http.Request) { r.Host = "[fe80::1%25eth0]:8080" }, false},
		{"CRLF in host", func(r *http.Request) { r.Host = "a.example\r\nX-Injected: 1" }, false},
		{"NUL in host", func(r *http.Request) { r.Host = "a.example\x00" }, false},
		{"CRLF in path", func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/a\r\nX-Injected: 1", "" }, false},
		{"non-ASCII host", func(r *http.Request) { r.Host = "bücher.example" }, false},
		{"Connection close", func(r *http.Request) { r.Close = true }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://upstream.example:8080/api/users?id=1", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "api.example.com"
			req.Header.Set("User-Agent", "curl/8")
			req.Header.Set("Accept", "*/*")
			tt.edit(req)
			var got, want bytes.Buffer
			bw := bufio.NewWriter(&got)
			err = writeRequest(bw, req)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("wrote %q, want the request refused as Transport refuses it", got.String())
				}
				if _, terr := http.DefaultTransport.RoundTrip(req); terr == nil || !strings.Contains(terr.Error(), "invalid header field") {
					t.Fatalf("Transport's error %v, want it to refuse the field too", terr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := req.Write(&want); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(got.Bytes(), []byte("\nX-Injected")) || bytes.Contains(got.Bytes(), []byte{0}) {
				t.Fatalf("wrote %q: a field or NUL smuggled in", got.Bytes())
			}
			g, w := parseRequest(t, got.Bytes()), parseRequest(t, want.Bytes())
			if g.Method != w.Method || g.RequestURI != w.RequestURI || g.Host != w.Host || g.Proto != w.Proto || g.Close != w.Close {
				t.Errorf("request line/host: got %s %s %s Host %q close %t, want %s %s %s Host %q close %t",
					g.Method, g.RequestURI, g.Proto, g.Host, g.Close, w.Method, w.RequestURI, w.Proto, w.Host, w.Close)
			}
			if gcl, wcl := bytes.Contains(got.Bytes(), []byte("Content-Length: 0")), bytes.Contains(want.Bytes(), []byte("Content-Length: 0")); gcl != wcl {
				t.Errorf("Content-Length: 0 sent: %t, want %t", gcl, wcl)
			}
			if !reflect.DeepEqual(g.Header, w.Header) {
				t.Errorf("header fields:\ngot  %v\nwant %v", g.Header, w.Header)
			}
		})
	}
}

func parseRequest(t *testing.T, raw []byte) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("unparsable request %q: %v", raw, err)
	}
	return r
}
