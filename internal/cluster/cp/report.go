package cp

import (
	"encoding/json"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// report records the configuration the DP says it runs.
func (s *stream) report(n int64, hash string) {
	s.mu.Lock()
	s.running, s.hash = n, hash
	s.mu.Unlock()
	s.cp.dps.update(s.id, func(dp *DataPlane) {
		now := time.Now().Unix()
		if dp.ConfigHash != hash {
			dp.UpdatedAt = now
		}
		dp.ConfigVersion, dp.ConfigHash, dp.LastSeen = n, hash, now
	})
}

// result handles the DP's answer to a push.
func (s *stream) result(r *clusterpb.ApplyResult) {
	if r == nil {
		r = &clusterpb.ApplyResult{}
	}
	s.mu.Lock()
	if r.Version == s.inflight {
		s.inflight = 0
		now := time.Now()
		s.nextAt = now.Add(pipeline.PaceAfter(now.Sub(s.sentAt)))
	}
	if !r.Ok && !r.Resync {
		s.rejected = r.Hash
	}
	if r.Resync {
		s.hash = "" // next push is the full configuration
	}
	s.wantFull = r.Ok && r.CacheWantsFull
	s.mu.Unlock()
	if !r.Ok && !r.Resync {
		s.cp.log.Warn("data plane rejected a configuration; it keeps running its previous one", "node_id", s.id,
			"config_version", r.Version, "config_hash", bounded(r.Hash, 64), "error", bounded(r.Error, 4096))
		s.cp.dps.update(s.id, func(dp *DataPlane) {
			dp.LastRejection = &Rejection{Version: r.Version, Hash: bounded(r.Hash, 64), Error: bounded(r.Error, 4096), At: time.Now().Unix()}
		})
	}
	s.report(r.GetRunningVersion(), bounded(r.GetRunningHash(), 64))
	if r.Resync {
		s.mu.Lock()
		s.hash = ""
		s.mu.Unlock()
	}
	s.nudge()
}

// bounded cuts what a DP reports to n bytes before it is stored or logged.
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// rowMap renders a row as the JSON object the Admin API lists.
func rowMap(dp *DataPlane) map[string]any {
	b, _ := json.Marshal(dp)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}
