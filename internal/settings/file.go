package settings

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// rawValue is one value read from a layer, with where it came from.
type rawValue struct {
	value  string
	source Source
}

// parseFile reads gantry.conf: "key = value" lines, '#' starts a comment
// unless written "\#" (for passwords that contain one), blank lines ignored.
// Unknown keys are errors so a typo does not silently fall back to a default.
func parseFile(name string, data []byte, known map[string]bool) (map[string]rawValue, Errors) {
	out := map[string]rawValue{}
	var errs Errors
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(stripComment(sc.Text()))
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		src := Source{Kind: SourceFile, Name: name, Line: n}
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: %q is not a key = value line", src, line))
		case !known[key]:
			errs = append(errs, fmt.Errorf("%s: %s", src, unknownKey(key, known)))
		default:
			out[key] = rawValue{value: strings.TrimSpace(value), source: src}
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reading %s: %w", name, err))
	}
	return out, errs
}

// stripComment drops everything from the first unescaped '#', and turns "\#" into "#".
func stripComment(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '#':
			b.WriteByte('#')
			i++
		case line[i] == '#':
			return b.String()
		default:
			b.WriteByte(line[i])
		}
	}
	return b.String()
}
