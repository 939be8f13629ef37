package cp

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// DataPlane is one row of GET /clustering/data-planes. The first fields are
// Kong's; the ones after UpdatedAt go beyond Kong.
type DataPlane struct {
	ID          string            `json:"id"`
	Hostname    string            `json:"hostname"`
	IP          string            `json:"ip"`
	LastSeen    int64             `json:"last_seen"`
	ConfigHash  string            `json:"config_hash"`
	Version     string            `json:"version"`
	SyncStatus  string            `json:"sync_status"`
	Labels      map[string]string `json:"labels"`
	CertDetails CertDetails       `json:"cert_details"`
	CreatedAt   int64             `json:"created_at"`
	UpdatedAt   int64             `json:"updated_at"`

	// ConfigVersion is the version the DP runs.
	ConfigVersion int64 `json:"config_version"`
	// ExpectedConfigVersion and ExpectedConfigHash are what the CP serves now.
	ExpectedConfigVersion int64  `json:"expected_config_version"`
	ExpectedConfigHash    string `json:"expected_config_hash"`
	// RunsExpected is true when the DP runs exactly the CP's configuration.
	RunsExpected bool `json:"runs_expected_config"`
	// Connected is true while the DP's stream is open to this CP.
	Connected bool `json:"connected"`
	// LastRejection is the last configuration the DP refused, if any.
	LastRejection *Rejection `json:"last_rejection"`
	// SyncDetail says why sync_status is not normal.
	SyncDetail string `json:"sync_status_detail,omitempty"`
}

// CertDetails describes the DP's client certificate.
type CertDetails struct {
	ExpiryTimestamp int64 `json:"expiry_timestamp"`
}

// Rejection is a configuration a DP refused to apply.
type Rejection struct {
	Version int64  `json:"version"`
	Hash    string `json:"hash"`
	Error   string `json:"error"`
	At      int64  `json:"at"`
}

// registry holds the data planes this control plane serves or served, in
// memory. When the store keeps data-plane rows (store.DataPlaneStore), the
// registry is also the queue of rows to write there (see persist.go), and
// the list merges them with every other control plane's.
type registry struct {
	mu  sync.Mutex
	dps map[string]*DataPlane
	// conns counts open streams per DP id, so a DP reconnecting before its
	// old stream noticed the break stays "connected".
	conns map[string]int
	// dirty marks rows changed since last written to the store; written
	// remembers when and in what state each was last written.
	dirty   map[string]bool
	written map[string]writeMark
	// kick (cap 1) wakes the writer when a row changed.
	kick chan struct{}
}

func newRegistry() *registry {
	return &registry{dps: map[string]*DataPlane{}, conns: map[string]int{},
		dirty: map[string]bool{}, written: map[string]writeMark{}, kick: make(chan struct{}, 1)}
}

// markLocked queues the row of id for the writer; r.mu is held.
func (r *registry) markLocked(id string) {
	r.dirty[id] = true
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// update changes a DP's row under the lock, creating it when absent.
func (r *registry) update(id string, fn func(dp *DataPlane)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dp, ok := r.dps[id]
	if !ok {
		now := time.Now().Unix()
		dp = &DataPlane{ID: id, SyncStatus: StatusUnknown, Labels: map[string]string{}, CreatedAt: now}
		r.dps[id] = dp
	}
	fn(dp)
	dp.Connected = r.conns[id] > 0
	r.markLocked(id)
}

func (r *registry) connect(id string, delta int) {
	r.mu.Lock()
	r.conns[id] += delta
	if r.conns[id] <= 0 {
		delete(r.conns, id)
	}
	if dp, ok := r.dps[id]; ok {
		dp.Connected = r.conns[id] > 0
		r.markLocked(id)
	}
	r.mu.Unlock()
}

// list returns copies of every row, sorted by id, with the expected
// version filled in.
func (r *registry) list(cur *version) []DataPlane {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]DataPlane, 0, len(r.dps))
	for _, dp := range r.dps {
		row := copyRow(dp)
		expect(&row, cur)
		out = append(out, row)
	}
	sortRows(out)
	return out
}

// copyRow returns a copy of dp sharing nothing mutable with it.
func copyRow(dp *DataPlane) DataPlane {
	row := *dp
	row.Labels = maps.Clone(dp.Labels)
	if dp.LastRejection != nil {
		rej := *dp.LastRejection
		row.LastRejection = &rej
	}
	return row
}

// expect fills in what the CP serves now and whether the DP runs it.
func expect(row *DataPlane, cur *version) {
	if cur != nil {
		row.ExpectedConfigVersion = cur.n
		row.ExpectedConfigHash = cur.hash
		row.RunsExpected = row.ConfigHash == cur.hash
	}
}

func sortRows(rows []DataPlane) {
	slices.SortFunc(rows, func(a, b DataPlane) int { return strings.Compare(a.ID, b.ID) })
}

// purge removes rows of DPs not connected and silent for longer than delay.
func (r *registry) purge(now time.Time, delay time.Duration) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for id, dp := range r.dps {
		if r.conns[id] == 0 && now.Sub(time.Unix(dp.LastSeen, 0)) > delay {
			delete(r.dps, id)
			delete(r.dirty, id)
			delete(r.written, id)
			n++
		}
	}
	return n
}
