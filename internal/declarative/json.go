package declarative

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting so a hostile document cannot exhaust the stack.
const maxDepth = 512

// looksLikeJSON reports whether data starts like a JSON object or array.
func looksLikeJSON(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// jsonScanner is a small RFC 8259 parser that builds nodes with the line
// and column of every value. encoding/json's Decoder.Token cannot say where
// a token is and allocates for every one; configs of 10,000+ routes go
// through here.
type jsonScanner struct {
	data      []byte
	pos       int
	line      int
	lineStart int
	depth     int
	probs     *problems
	keys      map[string]string // interned object keys: configs repeat the same few
	slab      []node            // nodes are carved from slabs: one allocation per 256
}

// newNode returns a zeroed node at the current position.
func (s *jsonScanner) newNode() *node {
	if len(s.slab) == 0 {
		s.slab = make([]node, 256)
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	n.line, n.col, n.size = s.line, s.pos-s.lineStart+1, 1
	return n
}

// jsonError is a syntax error at a position.
type jsonError struct {
	line, col int
	msg       string
}

// parseJSON parses data as one JSON value. On a syntax error it returns nil
// and the problem, located by line; duplicate keys are recorded in probs.
func parseJSON(data []byte, probs *problems) (n *node, problem *Problem) {
	s := &jsonScanner{data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), line: 1, probs: probs}
	defer func() {
		if r := recover(); r != nil {
			je, ok := r.(jsonError)
			if !ok {
				panic(r)
			}
			n, problem = nil, &Problem{Line: je.line, Column: je.col, Message: "malformed JSON: " + je.msg}
		}
	}()
	n = s.value()
	s.skipSpace()
	if s.pos < len(s.data) {
		s.fail("unexpected %s after the top-level value", s.describe())
	}
	return n, nil
}

// fail aborts parsing with a syntax error at the current position. The
// panic never leaves parseJSON, which recovers it into a Problem; it keeps
// the recursive descent free of error plumbing, as go/parser does.
func (s *jsonScanner) fail(format string, args ...any) {
	panic(jsonError{s.line, s.pos - s.lineStart + 1, fmt.Sprintf(format, args...)})
}

func (s *jsonScanner) describe() string {
	if s.pos >= len(s.data) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(s.data[s.pos:])
	return fmt.Sprintf("character %q", r)
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\n':
			s.line++
			s.lineStart = s.pos + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		s.pos++
	}
}

func (s *jsonScanner) value() *node {
	s.skipSpace()
	n := s.newNode()
	if s.pos >= len(s.data) {
		s.fail("unexpected end of input")
	}
	switch c := s.data[s.pos]; {
	case c == '{' || c == '[':
		if s.depth++; s.depth > maxDepth {
			s.fail("nested more than %d levels deep", maxDepth)
		}
		s.pos++
		if c == '{' {
			s.object(n)
		} else {
			s.array(n)
		}
		s.depth--
	case c == '"':
		str := s.str()
		n.value, n.text = str, str
	case c == '-' || '0' <= c && c <= '9':
		text := s.number()
		n.value, n.text = jsonNumber(text), text
	case s.literal("true"):
		n.value, n.text = true, "true"
	case s.literal("false"):
		n.value, n.text = false, "false"
	case s.literal("null"):
		n.text = "null"
	default:
		s.fail("invalid %s looking for beginning of value", s.describe())
	}
	return n
}

func (s *jsonScanner) literal(word string) bool {
	if bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		s.pos += len(word)
		return true
	}
	return false
}

// expect consumes c after optional spaces, or fails saying what it was after.
func (s *jsonScanner) expect(c byte, after string) {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != c {
		s.fail("invalid %s after %s (expected %q)", s.describe(), after, c)
	}
	s.pos++
}

func (s *jsonScanner) object(n *node) {
	n.kind = kindMap
	seen := map[string]bool{}
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return
	}
	for {
		s.skipSpace()
		line, col := s.line, s.pos-s.lineStart+1
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			s.fail("invalid %s looking for beginning of object key string", s.describe())
		}
		key := s.key()
		s.expect(':', "object key")
		val := s.value()
		n.size += val.size
		if seen[key] {
			s.probs.atLine("", line, col, "malformed JSON: duplicate key %q", key)
		} else {
			seen[key] = true
			n.fields = append(n.fields, field{key: key, line: line, col: col, val: val})
		}
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == ',' {
			s.pos++
			continue
		}
		s.expect('}', "object key:value pair")
		return
	}
}

func (s *jsonScanner) array(n *node) {
	n.kind = kindSeq
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return
	}
	for {
		val := s.value()
		n.size += val.size
		n.items = append(n.items, val)
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == ',' {
			s.pos++
			continue
		}
		s.expect(']', "array element")
		return
	}
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
