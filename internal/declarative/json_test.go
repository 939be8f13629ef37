package declarative

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// plain converts a node to what encoding/json decodes with UseNumber.
func plain(n *node) any {
	switch n.kind {
	case kindMap:
		m := map[string]any{}
		for _, f := range n.fields {
			m[f.key] = plain(f.val)
		}
		return m
	case kindSeq:
		list := []any{}
		for _, item := range n.items {
			list = append(list, plain(item))
		}
		return list
	}
	switch n.value.(type) {
	case int64, uint64, float64:
		return json.Number(n.text)
	}
	return n.value
}

func checkJSONLikeStdlib(t *testing.T, data []byte) {
	probs := &problems{}
	n, perr := parseJSON(data, probs)
	valid := json.Valid(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if valid != (perr == nil) {
		t.Fatalf("json.Valid=%v but parseJSON error=%v for %q", valid, perr, data)
	}
	if !valid || len(probs.list) > 0 { // duplicates: encoding/json keeps the last, we refuse
		return
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if got := plain(n); !reflect.DeepEqual(got, want) {
		t.Fatalf("parseJSON(%q) = %#v, encoding/json gives %#v", data, got, want)
	}
}

func TestJSONScannerMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `  [1, -0, 0.5, -1e3, 1E+2, 12345678901234567890, 1e400]  `,
		`"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"`, `"\ud800"`, "\"\xff\xfe\"", "\"\xed\xa0\x80\"", `"\ud800\u0041"`, "\"\xff\"", `[1,]`, `{"a":1,}`, `{"a" 1}`,
		`[01]`, `[1.]`, `[.5]`, `[-]`, `[1e]`, `"\x"`, "\"a\nb\"", `{"a":1}{}`, `[tru]`, `nul`, `{1:2}`, "\xef\xbb\xbf{}",
		strings.Repeat("[", 600) + strings.Repeat("]", 600),
	} {
		t.Run(s[:min(len(s), 20)], func(t *testing.T) {
			if strings.HasPrefix(s, strings.Repeat("[", 600)) {
				if _, perr := parseJSON([]byte(s), &problems{}); perr == nil || !strings.Contains(perr.Message, "nested") {
					t.Fatalf("deep nesting must be refused, got %v", perr)
				}
				return
			}
			checkJSONLikeStdlib(t, []byte(s))
		})
	}
}

func TestJSONScannerPositions(t *testing.T) {
	n, perr := parseJSON([]byte("{\n  \"a\": [1,\n    \"x\"]}"), &problems{})
	if perr != nil {
		t.Fatal(perr)
	}
	x := n.get("a").items[1]
	if x.line != 3 || x.col != 5 || n.fields[0].line != 2 || n.fields[0].col != 3 {
		t.Fatalf("positions: x at %d:%d, key a at %d:%d", x.line, x.col, n.fields[0].line, n.fields[0].col)
	}
	_, perr = parseJSON([]byte("{\n\"a\": 1,\n\"b\": tru}"), &problems{})
	if perr == nil || perr.Line != 3 || perr.Column != 6 {
		t.Fatalf("error position: %+v", perr)
	}
}

func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u00e9"],"b":null}`, `[1,]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkJSONLikeStdlib)
}
