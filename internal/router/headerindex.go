package router

// headerIndexMin is how many entries a trie node needs before its entries
// are also indexed by header value: below it, a scan is as fast.
const headerIndexMin = 8

// headerIndex splits the entries of one trie node by a required header
// value, so that hundreds of routes sharing a path and told apart by a
// header ("X-Tenant: 42") cost a map lookup, not a scan. An entry is filed
// under every value of the first header its route requires with plain
// values only; the others stay in rest.
type headerIndex struct {
	rest   []entry
	byName []headerBucket
}

type headerBucket struct {
	name   string             // canonical header name
	values map[string][]entry // ASCII-lower-cased value -> entries by rank
}

// buildHeaderIndex returns the index for entries (sorted by rank), or nil
// when none of them can be indexed.
func buildHeaderIndex(entries []entry) *headerIndex {
	if len(entries) < headerIndexMin {
		return nil
	}
	x := &headerIndex{}
	for _, e := range entries {
		h := indexableHeader(e.m)
		if h == nil {
			x.rest = append(x.rest, e)
			continue
		}
		b := x.bucket(h.name)
		for i, v := range h.values {
			key := lowerASCII(v)
			if !seenLower(h.values[:i], key) {
				b.values[key] = append(b.values[key], e)
			}
		}
	}
	if len(x.byName) == 0 {
		return nil
	}
	return x
}

// indexableHeader returns the first header of m whose values are all plain
// strings, or nil.
func indexableHeader(m *matcher) *headerMatcher {
	for i := range m.headers {
		if h := &m.headers[i]; len(h.regexes) == 0 && len(h.values) > 0 {
			return h
		}
	}
	return nil
}

func seenLower(values []string, key string) bool {
	for _, v := range values {
		if lowerASCII(v) == key {
			return true
		}
	}
	return false
}

func (x *headerIndex) bucket(name string) *headerBucket {
	for i := range x.byName {
		if x.byName[i].name == name {
			return &x.byName[i]
		}
	}
	x.byName = append(x.byName, headerBucket{name: name, values: map[string][]entry{}})
	return &x.byName[len(x.byName)-1]
}

// lookup returns the entries filed under value, lower-casing it without
// allocating when it is short.
func (b *headerBucket) lookup(value string) []entry {
	if !hasUpperASCII(value) {
		return b.values[value]
	}
	var buf [128]byte
	if len(value) > len(buf) {
		return b.values[lowerASCII(value)]
	}
	n := copy(buf[:], value)
	for i := range n {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return b.values[string(buf[:n])]
}

func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// equalFoldASCII compares like Lua's lower(a) == lower(b): only ASCII
// letters fold, as in Kong.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
