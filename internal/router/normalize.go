package router

import "strings"

// NormalizePath turns a raw request path into the form Kong matches routes
// against: the query string is cut, percent-encoded triplets are decoded
// unless they encode a reserved character (those stay encoded, in upper-case
// hex), dot segments are removed and runs of slashes are merged.
//
// It allocates only when the path changes, which ordinary paths do not.
func NormalizePath(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if raw == "" || raw == "/" {
		return "/"
	}
	if !needsNormalizing(raw) {
		return raw
	}
	return removeDotSegments(decodePercent(raw))
}

// needsNormalizing reports whether p holds a percent sign, an empty segment
// or a dot segment, or does not start with a slash.
func needsNormalizing(p string) bool {
	if p[0] != '/' {
		return true
	}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			return true
		case '/':
			rest := p[i+1:]
			if rest == "" {
				continue
			}
			if rest[0] == '/' || rest == "." || rest == ".." ||
				strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
				return true
			}
		}
	}
	return false
}

// isReserved reports whether c is one of RFC 3986's reserved characters
// (plus '%'), which Kong keeps percent-encoded when normalizing.
func isReserved(c byte) bool {
	return strings.IndexByte("!*'();:@&=+$,/?%#[]", c) >= 0
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodePercent decodes %XX triplets except those of reserved characters,
// which it upper-cases. Malformed triplets are kept as they are.
func decodePercent(p string) string {
	if strings.IndexByte(p, '%') < 0 {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) {
			hi, ok1 := unhex(p[i+1])
			lo, ok2 := unhex(p[i+2])
			if ok1 && ok2 {
				v := hi<<4 | lo
				if isReserved(v) {
					b.WriteByte('%')
					b.WriteString(strings.ToUpper(p[i+1 : i+3]))
				} else {
					b.WriteByte(v)
				}
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// removeDotSegments applies RFC 3986 dot-segment removal, merging repeated
// slashes, with Kong's treatment of the edge cases ("/.." at the root stays
// "/", a trailing "/." or "/.." leaves a trailing slash).
func removeDotSegments(p string) string {
	out := make([]byte, 0, len(p))
	var starts []int // start offsets in out of each kept segment
	for p != "" {
		switch {
		case p == "/.":
			p = "/"
		case p == "/..":
			p = "/"
			out, starts = popSegment(out, starts)
		case p == "." || p == "..":
			p = ""
		case strings.HasPrefix(p, "../"):
			p = p[3:]
		case strings.HasPrefix(p, "./"):
			p = p[2:]
		case strings.HasPrefix(p, "/./"):
			p = p[2:]
		case strings.HasPrefix(p, "/../"):
			p = p[3:]
			out, starts = popSegment(out, starts)
		case strings.HasPrefix(p, "//"):
			p = p[1:]
		default:
			end := len(p)
			if i := strings.IndexByte(p[1:], '/'); i >= 0 {
				end = i + 1
			}
			starts = append(starts, len(out))
			out = append(out, p[:end]...)
			p = p[end:]
		}
	}
	if len(out) == 0 || out[0] != '/' {
		out = append([]byte{'/'}, out...)
	}
	return string(out)
}

func popSegment(out []byte, starts []int) ([]byte, []int) {
	if len(starts) == 0 {
		return out, starts
	}
	last := starts[len(starts)-1]
	return out[:last], starts[:len(starts)-1]
}

// escapePath percent-encodes every byte outside the set Kong leaves alone
// when it sends a normalized path upstream (letters, digits, "-._~", the
// reserved characters and '%'). It returns p itself when nothing needs
// encoding.
func escapePath(p string) string {
	n := 0
	for i := 0; i < len(p); i++ {
		if !keepUnescaped(p[i]) {
			n++
		}
	}
	if n == 0 {
		return p
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(p)+2*n)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if keepUnescaped(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func keepUnescaped(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!#$&'()*+,/:;=?@[]%", c) >= 0
}
