package declarative

import (
	"bytes"
	"fmt"
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
