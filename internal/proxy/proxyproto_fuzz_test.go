package proxy

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadProxyHeader: whatever a client sends first, the parser returns
// an address or an error, never panics, and never reads past a header it
// accepted (the bytes after it stay for HTTP).
func FuzzReadProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 40000 8000\r\nGET / HTTP/1.1\r\n"))
	f.Add([]byte("PROXY TCP6 2001:db8::1 ::1 40000 8000\r\nrest"))
	f.Add([]byte("PROXY UNKNOWN\r\nrest"))
	f.Add([]byte("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"))
	f.Add(append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c"), 203, 0, 113, 7, 127, 0, 0, 1, 0x9c, 0x40, 0x1f, 0x40, 'r', 'e', 's', 't'))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReader(bytes.NewReader(in))
		src, err := readProxyHeader(br)
		if err != nil {
			return
		}
		rest, _ := br.Peek(br.Buffered())
		if !bytes.HasSuffix(in, rest) {
			t.Fatalf("bytes after the header were altered")
		}
		if src.IsValid() && src.Addr().Is4In6() {
			t.Fatalf("source %v not unmapped", src)
		}
	})
}
