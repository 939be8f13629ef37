package hybrid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dpStatus is the part of a DP's /status the tests read.
type dpStatus struct {
	ConfigurationHash string `json:"configuration_hash"`
}

func hashOf(p *proc) string {
	var st dpStatus
	call(p.t, "GET", p.StatusURL()+"/status", nil, &st)
	return st.ConfigurationHash
}

// dataPlane is a row of GET /clustering/data-planes.
type dataPlane struct {
	ID                    string            `json:"id"`
	Hostname              string            `json:"hostname"`
	IP                    string            `json:"ip"`
	LastSeen              int64             `json:"last_seen"`
	ConfigHash            string            `json:"config_hash"`
	Version               string            `json:"version"`
	SyncStatus            string            `json:"sync_status"`
	Labels                map[string]string `json:"labels"`
	UpdatedAt             int64             `json:"updated_at"`
	ExpectedConfigVersion int64             `json:"expected_config_version"`
	ExpectedConfigHash    string            `json:"expected_config_hash"`
	RunsExpected          bool              `json:"runs_expected_config"`
	CertDetails           struct {
		ExpiryTimestamp int64 `json:"expiry_timestamp"`
	} `json:"cert_details"`
	LastRejection *struct {
		Version int64  `json:"version"`
		Hash    string `json:"hash"`
		Error   string `json:"error"`
	} `json:"last_rejection"`
}

func dataPlanes(t *testing.T, cp *proc) []dataPlane {
	t.Helper()
	var body struct {
		Data []dataPlane `json:"data"`
	}
	call(t, "GET", cp.AdminURL()+"/clustering/data-planes", nil, &body)
	return body.Data
}

// nodeID reads a node's id from its prefix.
func nodeID(t *testing.T, p *proc) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Prefix, "node_id"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func rowOf(t *testing.T, cp *proc, dp *proc) (dataPlane, bool) {
	id := nodeID(t, dp)
	for _, r := range dataPlanes(t, cp) {
		if r.ID == id {
			return r, true
		}
	}
	return dataPlane{}, false
}
