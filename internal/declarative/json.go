package declarative

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
)

// jsonReader turns a JSON text into nodes, keeping each value's line.
type jsonReader struct {
	probs *problems
	data  []byte
	dec   *json.Decoder
	lines []int // offsets at which lines start
	depth int
}

// maxDepth bounds nesting so a hostile document cannot exhaust the stack.
const maxDepth = 512

// looksLikeJSON reports whether data starts like a JSON object or array.
func looksLikeJSON(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// parseJSON parses data as one JSON value. On a syntax error it returns nil
// and the problem, located by line; duplicate keys are recorded in probs.
func parseJSON(data []byte, probs *problems) (*node, *Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := &jsonReader{probs: probs, data: data, dec: json.NewDecoder(bytes.NewReader(data)), lines: []int{0}}
	r.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	n, err := r.value()
	if err == nil {
		if _, extra := r.dec.Token(); extra != io.EOF {
			err = errors.New("unexpected data after the top-level value")
		}
	}
	if err != nil {
		line, col := r.pos(r.dec.InputOffset())
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = r.pos(se.Offset)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of input")
		}
		return nil, &Problem{Line: line, Column: col, Message: "malformed JSON: " + err.Error()}
	}
	return n, nil
}

// pos converts a byte offset into a 1-based line and column.
func (r *jsonReader) pos(off int64) (int, int) {
	i := sort.Search(len(r.lines), func(i int) bool { return int64(r.lines[i]) > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, int(off) - r.lines[i] + 1
}

// here is the position of the token just read (tokens never span lines).
func (r *jsonReader) here() (int, int) {
	off := r.dec.InputOffset() - 1
	if off < 0 {
		off = 0
	}
	return r.pos(off)
}

func (r *jsonReader) value() (*node, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	line, col := r.here()
	out := &node{line: line, col: col, size: 1}
	switch t := tok.(type) {
	case json.Delim:
		if r.depth++; r.depth > maxDepth {
			return nil, errors.New("nested too deeply")
		}
		defer func() { r.depth-- }()
		if t == '{' {
			return out, r.object(out)
		}
		return out, r.array(out)
	case json.Number:
		out.value, out.text = jsonNumber(t), t.String()
	case string:
		out.value, out.text = t, t
	case bool:
		out.value, out.text = t, strconv.FormatBool(t)
	case nil:
		out.text = "null"
	}
	return out, nil
}

func (r *jsonReader) object(out *node) error {
	out.kind = kindMap
	seen := map[string]bool{}
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		line, col := r.here()
		val, err := r.value()
		if err != nil {
			return err
		}
		if seen[key] {
			r.probs.atLine("", line, col, "malformed JSON: duplicate key %q", key)
			continue
		}
		seen[key] = true
		out.size += val.size
		out.fields = append(out.fields, field{key: key, line: line, col: col, val: val})
	}
	_, err := r.dec.Token() // '}'
	return err
}

func (r *jsonReader) array(out *node) error {
	out.kind = kindSeq
	for r.dec.More() {
		val, err := r.value()
		if err != nil {
			return err
		}
		out.size += val.size
		out.items = append(out.items, val)
	}
	_, err := r.dec.Token() // ']'
	return err
}

// jsonNumber converts a JSON number to int64 when it is an integer that
// fits, else float64.
func jsonNumber(n json.Number) any {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u
		}
	}
	f, _ := n.Float64()
	return f
}
