package declarative

import (
	"errors"
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxNodes bounds a document's size once YAML aliases are expanded, so a
// "billion laughs" file is an error instead of an out-of-memory.
const maxNodes = 1 << 22

// yamlReader turns a goccy/go-yaml syntax tree into nodes, expanding
// anchors, aliases and merge keys.
type yamlReader struct {
	probs   *problems
	anchors map[string]*node
	total   int  // values so far, aliases counted expanded
	tooBig  bool // total went past maxNodes (reported once)
}

// grow counts n more values and reports whether the document is still
// within maxNodes. An alias can add many values at once, so the limit is
// checked on every addition, not only when a node is made.
func (r *yamlReader) grow(n, line, col int) bool {
	r.total += n
	if r.total <= maxNodes {
		return true
	}
	if !r.tooBig {
		r.tooBig = true
		r.probs.atLine("", line, col, "document too large (more than %d values once aliases are expanded)", maxNodes)
	}
	return false
}

// flowTooDeep returns the first flow collection ("[", "{") nested more than
// maxDepth levels deep, or nil. The YAML parser needs memory quadratic in
// nesting depth (a 100 kB file of brackets took 4 GB), so depth is checked
// on the tokens before parsing. Block nesting needs indentation, which makes
// the file itself grow quadratically, so it needs no such check.
func flowTooDeep(tokens token.Tokens) *token.Token {
	depth := 0
	for _, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			if depth++; depth > maxDepth {
				return tk
			}
		case token.SequenceEndType, token.MappingEndType:
			depth = max(depth-1, 0)
		}
	}
	return nil
}

// parseYAML parses data (YAML, or JSON as a YAML flow document). It returns
// nil, with a problem recorded, when the text does not parse; and nil without
// a problem for an empty document.
func parseYAML(data []byte, probs *problems) *node {
	tokens := lexer.Tokenize(string(data))
	if tk := flowTooDeep(tokens); tk != nil {
		probs.atLine("", tk.Position.Line, tk.Position.Column, "nested more than %d levels deep", maxDepth)
		return nil
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			pos := ye.GetToken().Position
			probs.atLine("", pos.Line, pos.Column, "malformed YAML: %s", ye.GetMessage())
		} else {
			probs.at("", nil, "malformed YAML: %v", err)
		}
		return nil
	}
	var bodies []ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			if _, comment := d.Body.(*ast.CommentGroupNode); !comment {
				bodies = append(bodies, d.Body)
			}
		}
	}
	switch len(bodies) {
	case 0:
		return nil
	case 1:
	default:
		line, col := position(bodies[1])
		probs.atLine("", line, col, "only one YAML document is allowed (remove the second '---')")
		return nil
	}
	r := &yamlReader{probs: probs, anchors: map[string]*node{}}
	before := len(probs.list)
	n := r.convert(bodies[0])
	if len(probs.list) > before {
		return nil // a broken construct: decoding what is left would only add noise
	}
	return n
}

// position returns the line and column of n's first token, 0 when unknown.
func position(n ast.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return position(m.Values[0].Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

func (r *yamlReader) convert(an ast.Node) *node {
	line, col := position(an)
	out := &node{line: line, col: col, size: 1}
	if !r.grow(1, line, col) {
		return out
	}
	switch v := an.(type) {
	case nil, *ast.NullNode, *ast.CommentGroupNode:
	case *ast.BoolNode:
		out.value = v.Value
	case *ast.IntegerNode:
		out.value = v.Value
	case *ast.FloatNode:
		out.value = v.Value
	case *ast.InfinityNode:
		out.value = v.Value
	case *ast.NanNode:
		out.value = v.GetValue()
	case *ast.StringNode:
		out.value = v.Value
	case *ast.LiteralNode:
		out.value = v.Value.Value
	case *ast.TagNode:
		return r.tagged(v, out)
	case *ast.AnchorNode:
		n := r.convert(v.Value)
		if v.Name != nil {
			r.anchors[v.Name.GetToken().Value] = n
		}
		return n
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.GetToken().Value
		}
		n, ok := r.anchors[name]
		if !ok {
			r.probs.atLine("", line, col, "malformed YAML: unknown alias '*%s'", name)
			return out
		}
		if !r.grow(n.size, line, col) {
			return out
		}
		return n
	case *ast.MappingNode:
		r.mapping(v.Values, out)
	case *ast.MappingValueNode:
		r.mapping([]*ast.MappingValueNode{v}, out)
	case *ast.SequenceNode:
		out.kind = kindSeq
		for _, item := range v.Values {
			n := r.convert(item)
			out.items = append(out.items, n)
			out.size += n.size
		}
	default:
		r.probs.atLine("", line, col, "unsupported YAML construct (%s)", an.Type())
	}
	if out.kind == kindScalar && an != nil && an.GetToken() != nil {
		out.text = an.GetToken().Value
	}
	return out
}

// tagged handles an explicit tag: "!!str" keeps the text as a string, the
// core types convert as usual, anything else is refused.
func (r *yamlReader) tagged(v *ast.TagNode, out *node) *node {
	tag := v.Start.Value
	switch tag {
	case "!!str":
		if v.Value != nil && v.Value.GetToken() != nil {
			if _, scalar := v.Value.(ast.ScalarNode); scalar {
				out.value, out.text = v.Value.GetToken().Value, v.Value.GetToken().Value
				return out
			}
		}
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
		return r.convert(v.Value)
	}
	r.probs.atLine("", out.line, out.col, "unsupported YAML tag %s", tag)
	return out
}

// mapping fills out with the pairs of a YAML mapping; merge keys ("<<")
// add the keys of the merged maps that the mapping does not set itself.
func (r *yamlReader) mapping(pairs []*ast.MappingValueNode, out *node) {
	out.kind = kindMap
	seen := map[string]bool{}
	var merged []*node
	for _, p := range pairs {
		if p.Key == nil {
			continue
		}
		val := r.convert(p.Value)
		out.size += val.size
		if p.Key.IsMergeKey() {
			merged = append(merged, val)
			continue
		}
		key := keyText(p.Key)
		line, col := position(p.Key)
		if seen[key] {
			r.probs.atLine("", line, col, "malformed YAML: duplicate key %q", key)
			continue
		}
		seen[key] = true
		out.fields = append(out.fields, field{key: key, line: line, col: col, val: val})
	}
	for _, m := range merged {
		sources := []*node{m}
		if m.kind == kindSeq {
			sources = m.items
		}
		for _, src := range sources {
			if src.kind != kindMap {
				r.probs.atLine("", src.line, src.col, "malformed YAML: a merge key ('<<') needs a map or a list of maps")
				continue
			}
			for _, f := range src.fields {
				if !seen[f.key] {
					seen[f.key] = true
					out.fields = append(out.fields, f)
				}
			}
		}
	}
}

// keyText renders a map key as the text it was written with.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(ast.ScalarNode); ok {
		if v := s.GetValue(); v != nil {
			if str, ok := v.(string); ok {
				return str
			}
		}
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return fmt.Sprint(k)
}
