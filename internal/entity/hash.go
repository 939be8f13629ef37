package entity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Hash returns the md5 hex digest of c's canonical form: every kind sorted by
// id, timestamps left out. Identical configurations hash identically on
// every node, whenever and wherever they were loaded.
func (c *Config) Hash() string {
	h := md5.New()
	enc := json.NewEncoder(h)
	for _, k := range Kinds {
		var items []Entity
		c.Each(func(e Entity) {
			if e.EntityKind() == k {
				items = append(items, e)
			}
		})
		slices.SortFunc(items, func(a, b Entity) int { return strings.Compare(a.GetID(), b.GetID()) })
		h.Write([]byte(k))
		for _, e := range items {
			// encoding/json sorts map keys, so plugin configs are canonical too.
			_ = enc.Encode(withoutTimestamps(e))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// withoutTimestamps renders e as a map without created_at/updated_at.
func withoutTimestamps(e Entity) map[string]any {
	b, _ := json.Marshal(e)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "created_at")
	delete(m, "updated_at")
	return m
}
