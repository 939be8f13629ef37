package cp

import (
	"log/slog"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
)

// FuzzDPMessage feeds arbitrary bytes to the CP's message handling as if a
// data plane sent them after its hello: decoding and handling never panic,
// and a bad message ends only that stream (handle returns an error).
func FuzzDPMessage(f *testing.F) {
	seeds := []*clusterpb.DPMessage{
		{Msg: &clusterpb.DPMessage_Heartbeat{Heartbeat: &clusterpb.Heartbeat{ConfigVersion: 3, ConfigHash: "abc"}}},
		{Msg: &clusterpb.DPMessage_ApplyResult{ApplyResult: &clusterpb.ApplyResult{Version: 3, Hash: "abc", Error: "routes[0] paths: bad"}}},
		{Msg: &clusterpb.DPMessage_ApplyResult{ApplyResult: &clusterpb.ApplyResult{Resync: true}}},
		{Msg: &clusterpb.DPMessage_Hello{Hello: &clusterpb.Hello{NodeId: "x"}}},
	}
	for _, m := range seeds {
		b, _ := proto.Marshal(m)
		f.Add(b)
	}
	f.Add([]byte{0xff, 0x00, 0x13})
	f.Fuzz(func(t *testing.T, data []byte) {
		var msg clusterpb.DPMessage
		if err := proto.Unmarshal(data, &msg); err != nil {
			return
		}
		c := &ControlPlane{log: discard(), dps: newRegistry(), hist: &history{max: 2}, opts: Options{Timing: Timing{}.withDefaults()}}
		s := &stream{cp: c, id: "dp", hello: &clusterpb.Hello{NodeId: "dp"}, kick: make(chan struct{}, 1), acks: make(chan struct{}, 1)}
		err := s.handle(&msg)
		if _, isHello := msg.GetMsg().(*clusterpb.DPMessage_Hello); (isHello || msg.GetMsg() == nil) && err == nil {
			t.Fatal("a second hello or an empty message was accepted")
		}
		for _, r := range c.dps.list(nil) {
			if len(r.ConfigHash) > 64 || r.LastRejection != nil && len(r.LastRejection.Error) > 4100 {
				t.Fatalf("unbounded value stored: %+v", r)
			}
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
