package router

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// literalStart returns the ASCII text every match of the anchored regex re
// must start with, so the regex can be filed in the path trie under it and
// only run for paths that start with it. "" means no such text is known.
//
// Go's LiteralPrefix does not help here: it returns "" for most patterns
// that start with '^'.
func literalStart(re *regexp.Regexp) string {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return ""
	}
	t = t.Simplify()
	if t.Op != syntax.OpConcat || len(t.Sub) < 2 || t.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	var b strings.Builder
	for _, s := range t.Sub[1:] {
		if s.Op != syntax.OpLiteral || s.Flags&syntax.FoldCase != 0 {
			break
		}
		ascii := true
		for _, r := range s.Rune {
			if r >= utf8.RuneSelf {
				ascii = false
				break
			}
			b.WriteByte(byte(r))
		}
		if !ascii {
			break
		}
	}
	return b.String()
}
