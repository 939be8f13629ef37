package declarative

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// key scans an object key, sharing one string per distinct plain key.
func (s *jsonScanner) key() string {
	end := bytes.IndexByte(s.data[s.pos+1:], '"')
	if end < 0 {
		return s.str()
	}
	raw := s.data[s.pos+1 : s.pos+1+end]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) || hasControl(raw) {
		return s.str()
	}
	if k, ok := s.keys[string(raw)]; ok {
		s.pos += end + 2
		return k
	}
	k := s.str()
	if s.keys == nil {
		s.keys = map[string]string{}
	}
	s.keys[k] = k
	return k
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// number scans a JSON number and returns its text.
func (s *jsonScanner) number() string {
	start := s.pos
	digits := func() int {
		n := 0
		for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos < len(s.data) && s.data[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		s.fail("invalid %s in numeric literal", s.describe())
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			s.fail("invalid %s after decimal point in numeric literal", s.describe())
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			s.fail("invalid %s in exponent of numeric literal", s.describe())
		}
	}
	return string(s.data[start:s.pos])
}

// str scans a JSON string starting at its opening quote. Invalid UTF-8 and
// lone surrogates become U+FFFD, as encoding/json does.
func (s *jsonScanner) str() string {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c == '"' {
			raw := s.data[start:s.pos]
			s.pos++
			return validUTF8(raw)
		}
		if c == '\\' || c < 0x20 {
			break
		}
		s.pos++
	}
	var b strings.Builder
	b.Write(s.data[start:s.pos])
	for {
		if s.pos >= len(s.data) {
			s.fail("unexpected end of input in string literal")
		}
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return validUTF8([]byte(b.String()))
		case c < 0x20:
			s.fail("invalid control character %q in string literal", c)
		case c == '\\':
			s.escape(&b)
		default:
			b.WriteByte(c)
			s.pos++
		}
	}
}

// escape decodes one backslash escape into b.
func (s *jsonScanner) escape(b *strings.Builder) {
	if s.pos+1 >= len(s.data) {
		s.fail("unexpected end of input in string escape")
	}
	c := s.data[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
		return
	case 'b':
		b.WriteByte('\b')
		return
	case 'f':
		b.WriteByte('\f')
		return
	case 'n':
		b.WriteByte('\n')
		return
	case 'r':
		b.WriteByte('\r')
		return
	case 't':
		b.WriteByte('\t')
		return
	case 'u':
	default:
		s.pos--
		s.fail("invalid %s in string escape code", s.describe())
	}
	r := s.hex4()
	if utf16.IsSurrogate(r) {
		r2 := rune(-1)
		if bytes.HasPrefix(s.data[s.pos:], []byte(`\u`)) {
			save := s.pos
			s.pos += 2
			if r2 = s.hex4(); utf16.DecodeRune(r, r2) == utf8.RuneError {
				s.pos, r2 = save, -1
			}
		}
		r = utf16.DecodeRune(r, r2)
	}
	b.WriteRune(r)
}

func (s *jsonScanner) hex4() rune {
	if s.pos+4 > len(s.data) {
		s.fail("unexpected end of input in \\u escape")
	}
	v, err := strconv.ParseUint(string(s.data[s.pos:s.pos+4]), 16, 32)
	if err != nil {
		s.fail("invalid \\u escape %q", s.data[s.pos:s.pos+4])
	}
	s.pos += 4
	return rune(v)
}

// jsonNumber converts a JSON number to int64 when it is an integer that
// fits, else float64.
func jsonNumber(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// validUTF8 returns raw as a string with each invalid byte replaced by
// U+FFFD, as encoding/json does.
func validUTF8(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	var b strings.Builder
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		b.WriteRune(r) // RuneError for an invalid byte
		raw = raw[size:]
	}
	return b.String()
}
