package proxy

import (
	"bufio"
	"bytes"
	"net/http"
	"reflect"
	"testing"
)

// TestWriteRequest: the fast path's request writer sends upstream what
// Request.Write would: same request line, Host and header fields.
func TestWriteRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(r *http.Request)
	}{
		{"plain GET", func(r *http.Request) {}},
		{"query and escaped path", func(r *http.Request) {
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery = "/a b/c%2Fd", "/a%20b/c%2Fd", "x=1&y=%20"
		}},
		{"HEAD", func(r *http.Request) { r.Method = http.MethodHead }},
		{"repeated header", func(r *http.Request) { r.Header["X-Forwarded-For"] = []string{"1.2.3.4", "5.6.7.8"} }},
		{"no User-Agent", func(r *http.Request) { r.Header["User-Agent"] = nil }},
		{"empty User-Agent", func(r *http.Request) { r.Header["User-Agent"] = []string{""} }},
		{"two User-Agents", func(r *http.Request) { r.Header["User-Agent"] = []string{"first", "second"} }},
		{"newline in a value", func(r *http.Request) { r.Header.Set("X-Evil", "a\r\nInjected: yes") }},
		{"padded value", func(r *http.Request) { r.Header["X-Pad"] = []string{"  v \t"} }},
		{"invalid field name", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }},
		{"excluded fields", func(r *http.Request) {
			r.Header["Host"] = []string{"other.example"}
			r.Header["Content-Length"] = []string{"10"}
			r.Header["Trailer"] = []string{"X-T"}
		}},
		{"host from URL", func(r *http.Request) { r.Host = "" }},
		{"IPv6 host", func(r *http.Request) { r.Host = "[::1]:8080" }},
		{"IPv6 zone", func(r *http.Request) { r.Host = "[fe80::1%25eth0]:8080" }},
		{"non-ASCII host", func(r *http.Request) { r.Host = "bücher.example" }},
		{"Connection close", func(r *http.Request) { r.Close = true }},
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
			if err := writeRequest(bw, req); err != nil {
				t.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := req.Write(&want); err != nil {
				t.Fatal(err)
			}
			g, w := parseRequest(t, got.Bytes()), parseRequest(t, want.Bytes())
			if g.Method != w.Method || g.RequestURI != w.RequestURI || g.Host != w.Host || g.Proto != w.Proto || g.Close != w.Close {
				t.Errorf("request line/host: got %s %s %s Host %q close %t, want %s %s %s Host %q close %t",
					g.Method, g.RequestURI, g.Proto, g.Host, g.Close, w.Method, w.RequestURI, w.Proto, w.Host, w.Close)
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
