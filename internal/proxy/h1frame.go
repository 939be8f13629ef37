package proxy

import (
	"bufio"
	"bytes"
)

// peekBuffered is what br holds unread, without reading more.
func peekBuffered(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Buffered())
	return b
}

// framingConflict looks at the response header at the start of buf, as
// received, for a length the upstream and Gantry may read differently:
// both Content-Length and Transfer-Encoding (RFC 9112 §6.3 calls it a
// possible response splitting attempt; http.ReadResponse hides it by
// deleting Content-Length), or Transfer-Encoding in an HTTP/1.0 answer
// (§6.1: faulty framing; http.ReadResponse ignores the field). complete
// is false when buf ends before the header does.
func framingConflict(buf []byte) (conflict, complete bool) {
	var cl, te bool
	http10 := bytes.HasPrefix(buf, []byte("HTTP/1.0 "))
	first := true
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return false, false
		}
		line := bytes.TrimSuffix(buf[:i], []byte("\r"))
		buf = buf[i+1:]
		switch {
		case first:
			first = false
		case len(line) == 0:
			return te && (cl || http10), true
		default:
			cl = cl || hasFieldName(line, "content-length:")
			te = te || hasFieldName(line, "transfer-encoding:")
		}
	}
	return false, false
}

// hasFieldName reports whether line starts with name (lower case, with
// its colon), in any case.
func hasFieldName(line []byte, name string) bool {
	if len(line) < len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := line[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}
