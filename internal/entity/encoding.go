package entity

import (
	"encoding/json"
	"strconv"
)

// Marshal returns json.Marshal(e). Given canon, e's canonical encoding
// (Digest.Encoding), it makes the same bytes without encoding e again: the
// canonical form lacks only created_at and updated_at, and those follow
// the id at the start of every entity's JSON (Meta is each type's first
// field), so they are spliced back in. This is what lets a control plane
// encode each entity once for a config's hash, its full payload and its
// delta index.
func Marshal(e Entity, canon []byte) ([]byte, error) {
	m, ok := e.(interface{ meta() *Meta })
	if canon == nil || !ok {
		return json.Marshal(e)
	}
	meta := m.meta()
	if meta.CreatedAt == 0 && meta.UpdatedAt == 0 {
		return canon, nil
	}
	at := 1 // after the opening brace, when the id is empty and omitted
	if meta.ID != "" {
		if at = idEnd(canon); at < 0 {
			return json.Marshal(e)
		}
	}
	out := make([]byte, 0, len(canon)+48)
	out = append(out, canon[:at]...)
	sep := at > 1
	for _, f := range [...]struct {
		name string
		v    int64
	}{{`"created_at":`, meta.CreatedAt}, {`"updated_at":`, meta.UpdatedAt}} {
		if f.v == 0 {
			continue // omitempty
		}
		if sep {
			out = append(out, ',')
		}
		out = strconv.AppendInt(append(out, f.name...), f.v, 10)
		sep = true
	}
	if at == 1 && canon[1] != '}' {
		out = append(out, ',')
	}
	return append(out, canon[at:]...), nil
}

// MarshalSize is len(Marshal(e, canon)), worked out without making it.
func MarshalSize(e Entity, canon []byte) int {
	m, ok := e.(interface{ meta() *Meta })
	meta := (*Meta)(nil)
	at := 1
	if ok {
		meta = m.meta()
		if meta.ID != "" && canon != nil {
			at = idEnd(canon)
		}
	}
	if canon == nil || !ok || at < 0 {
		b, _ := Marshal(e, canon)
		return len(b)
	}
	if meta.CreatedAt == 0 && meta.UpdatedAt == 0 {
		return len(canon)
	}
	n, sep := len(canon), at > 1
	var digits [20]byte
	for _, f := range [...]struct {
		name string
		v    int64
	}{{`"created_at":`, meta.CreatedAt}, {`"updated_at":`, meta.UpdatedAt}} {
		if f.v == 0 {
			continue
		}
		if sep {
			n++
		}
		n += len(f.name) + len(strconv.AppendInt(digits[:0], f.v, 10))
		sep = true
	}
	if at == 1 && canon[1] != '}' {
		n++
	}
	return n
}

// idEnd returns the offset just past the id member that starts canon
// ({"id":"..."), or -1 when canon does not start with one.
func idEnd(canon []byte) int {
	const prefix = `{"id":"`
	if len(canon) < len(prefix) || string(canon[:len(prefix)]) != prefix {
		return -1
	}
	for i := len(prefix); i < len(canon); i++ {
		switch canon[i] {
		case '\\':
			i++ // the escaped byte cannot end the string
		case '"':
			return i + 1
		}
	}
	return -1
}

// meta gives Marshal an entity's Meta without reflection.
func (m *Meta) meta() *Meta { return m }
