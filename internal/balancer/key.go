package balancer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Key is a digest of everything about up and its targets that shapes a
// Balancer: the snapshot builder keeps the running Balancer (and its health
// state) when the key of the new config equals the old one. Timestamps and
// tags are left out, and target order does not matter, so an unrelated
// config push or a re-import keeps the key.
func Key(up *entity.Upstream, targets []*entity.Target) string {
	type targetKey struct {
		Target string `json:"t"`
		Weight int    `json:"w"`
	}
	u := entity.Upstream{}
	if up != nil {
		u = *up
	}
	u.Meta = entity.Meta{ID: u.ID}
	ts := make([]targetKey, 0, len(targets))
	for _, t := range targets {
		if t != nil {
			ts = append(ts, targetKey{t.Target, t.Weight})
		}
	}
	slices.SortFunc(ts, func(a, b targetKey) int {
		if c := strings.Compare(a.Target, b.Target); c != 0 {
			return c
		}
		return a.Weight - b.Weight
	})
	h := sha256.New()
	enc := json.NewEncoder(h)
	// Encoding plain structs of strings, numbers and string maps cannot fail.
	_ = enc.Encode(&u)
	_ = enc.Encode(ts)
	return hex.EncodeToString(h.Sum(nil))
}
