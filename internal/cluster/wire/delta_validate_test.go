package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestDeltaValidatesWhatItChanges: a delta's own entities get their fields
// checked, and what it deletes or renames is checked against the whole
// result (a delta is validated incrementally, not skipped).
func TestDeltaValidatesWhatItChanges(t *testing.T) {
	t.Parallel()
	c := newCodec(t, 1<<20)
	base := sample(3)
	tests := []struct {
		name    string
		delta   *Delta
		wantErr string
	}{
		{"changed route with a bad path", &Delta{Upserts: map[entity.Kind][]json.RawMessage{entity.KindRoute: {
			json.RawMessage(`{"id":"` + base.Routes[0].ID + `","paths":["no-slash"],"service":{"id":"` + base.Services[0].ID + `"}}`)}}}, "paths"},
		{"deleted service still referenced", &Delta{Deletes: map[entity.Kind][]string{entity.KindService: {base.Services[0].ID}}}, "service"},
		{"new route taking a used name", &Delta{Upserts: map[entity.Kind][]json.RawMessage{entity.KindRoute: {
			json.RawMessage(`{"id":"00000000-0000-4000-8000-400000000000","name":"a","paths":["/a"]}`),
			json.RawMessage(`{"id":"00000000-0000-4000-8000-400000000001","name":"a","paths":["/b"]}`)}}}, "uniqueness"},
		{"valid change", &Delta{Upserts: map[entity.Kind][]json.RawMessage{entity.KindRoute: {
			json.RawMessage(`{"id":"` + base.Routes[0].ID + `","paths":["/moved"],"service":{"id":"` + base.Services[0].ID + `"}}`)}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := c.EncodeDelta(2, "", tt.delta)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.DecodeDelta(base, enc.Payload, enc.Checksum, nil, nil, entity.Claim{})
			if tt.wantErr == "" {
				if err != nil || got.Config().Routes[0].Paths[0] != "/moved" {
					t.Fatalf("DecodeDelta = %v; want the route moved to /moved", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}
