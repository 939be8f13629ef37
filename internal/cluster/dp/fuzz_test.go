package dp

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
)

func testAgent(t testing.TB) *Agent {
	t.Helper()
	return testAgentAt(t, t.TempDir())
}

// testAgentAt is a started agent whose prefix (and config cache) is dir.
func testAgentAt(t testing.TB, dir string) *Agent {
	t.Helper()
	return testAgentWith(t, dir, nil)
}

// testAgentWith is testAgentAt with options edited by mod before New.
func testAgentWith(t testing.TB, dir string, mod func(*Options)) *Agent {
	t.Helper()
	opts := Options{
		ControlPlanes: []string{"127.0.0.1:1"}, Cert: loadCert(t), NodeID: "n", Prefix: dir, MaxPayload: 1 << 20,
	}
	if mod != nil {
		mod(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	pipe, _ := pipelinetest.Pipeline()
	if err := a.Initial(context.Background(), pipe); err != nil {
		t.Fatal(err)
	}
	return a
}

func seedConfig() *entity.Config {
	svc := entity.NewService()
	svc.ID, svc.Name, svc.Host = "00000000-0000-4000-8000-000000000001", "s", "example.com"
	r := entity.NewRoute()
	r.ID, r.Paths, r.Service = "00000000-0000-4000-8000-000000000002", []string{"/a"}, &entity.Ref{ID: svc.ID}
	return &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{r}}
}

// FuzzConfigPush feeds arbitrary control-plane messages to the data plane's
// apply step: it never panics, and whatever it refuses leaves the running
// configuration in place.
func FuzzConfigPush(f *testing.F) {
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		f.Fatal(err)
	}
	cfg := seedConfig()
	full, _ := codec.EncodeFull(1, cfg.Hash(), cfg)
	delta, _ := codec.EncodeDelta(1, cfg.Hash(), deltaOf(f, &entity.Config{}, cfg))
	empty := (&entity.Config{}).Hash()
	for _, p := range []*clusterpb.ConfigPush{
		{Version: 1, Hash: full.Hash, Payload: full.Payload, Checksum: full.Checksum},
		{Version: 1, Hash: delta.Hash, Delta: true, BaseHash: empty, Payload: delta.Payload, Checksum: delta.Checksum},
		{Version: 2, Hash: "x", Payload: []byte("junk"), Checksum: wire.Checksum([]byte("junk"))},
	} {
		b, _ := proto.Marshal(&clusterpb.CPMessage{Msg: &clusterpb.CPMessage_Config{Config: p}})
		f.Add(b)
	}
	a := testAgent(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var msg clusterpb.CPMessage
		if proto.Unmarshal(data, &msg) != nil || msg.GetConfig() == nil {
			return
		}
		before := a.current().hash()
		res := a.applyPush(context.Background(), msg.GetConfig())
		after := a.current().hash()
		if !res.Ok && after != before {
			t.Fatalf("a refused push changed the running config from %s to %s", before, after)
		}
		if res.RunningHash != after {
			t.Fatalf("reported running hash %s, runs %s", res.RunningHash, after)
		}
	})
}
