package balancer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

func TestRoundRobinFollowsWeights(t *testing.T) {
	t.Parallel()
	a, b := newBackend(t), newBackend(t)
	bal := start(t, fixture.Upstream("backend"), targets(a.addr, 300, b.addr, 100), Options{})
	const n = 2000
	for range n {
		if _, err := proxy(t, bal, nil); err != nil {
			t.Fatal(err)
		}
	}
	ratio := float64(a.hits.Load()) / float64(n)
	if math.Abs(ratio-0.75) > 0.03 {
		t.Fatalf("weight 300 target served %.3f of requests (%d/%d), want 0.75±0.03", ratio, a.hits.Load(), n)
	}
}

func TestRoundRobinIsSmooth(t *testing.T) {
	t.Parallel()
	bal := start(t, fixture.Upstream("backend"), targets("127.0.0.1:1", 5, "127.0.0.1:2", 1, "127.0.0.1:3", 1), Options{})
	var seq []string
	for range 14 {
		p, err := bal.Pick(nil)
		if err != nil {
			t.Fatal(err)
		}
		bal.Done(p, Result{Status: 200})
		seq = append(seq, p.Addr[len(p.Addr)-1:])
	}
	// nginx's smooth weighted round-robin spreads the heavy target out.
	if got, want := strings.Join(seq, ""), "11213111121311"; got != want {
		t.Fatalf("pick order %s, want %s", got, want)
	}
}

func TestWeightZeroDisablesTarget(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"round-robin", "consistent-hashing", "least-connections", "latency"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = algo; u.HashOn = "header"; u.HashOnHeader = "x-user" })
			bal := start(t, up, targets("127.0.0.1:1", 100, "127.0.0.1:2", 0), Options{})
			got := picks(t, bal, 200, func(i int) *PickInput {
				return &PickInput{Request: requestWithHeader("X-User", strconv.Itoa(i))}
			})
			if got["127.0.0.1:2"] != 0 {
				t.Fatalf("weight 0 target was picked: %s", describe(got))
			}
			for _, h := range bal.Health() {
				if h.Target == "127.0.0.1:2" {
					t.Fatalf("weight 0 target listed in Health: %+v", h)
				}
			}
		})
	}
	t.Run("all zero", func(t *testing.T) {
		t.Parallel()
		bal := start(t, fixture.Upstream("backend"), targets("127.0.0.1:1", 0), Options{})
		if _, err := bal.Pick(nil); !errors.Is(err, ErrNoPeer) {
			t.Fatalf("Pick with only weight 0 targets: err %v, want ErrNoPeer", err)
		}
	})
}

func TestRetriesAvoidTriedPeers(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"round-robin", "consistent-hashing", "least-connections", "latency"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = algo; u.HashOn = "ip" })
			bal := start(t, up, targets("127.0.0.1:1", 100, "127.0.0.1:2", 100, "127.0.0.1:3", 100), Options{})
			for i := range 50 {
				in := &PickInput{ClientIP: "10.0.0." + strconv.Itoa(i)}
				first, err := bal.Pick(in)
				if err != nil {
					t.Fatal(err)
				}
				bal.Done(first, Result{TCPFailure: true})
				in.Tried = append(in.Tried, first.Addr)
				second, _ := bal.Pick(in)
				bal.Done(second, Result{TCPFailure: true})
				in.Tried = append(in.Tried, second.Addr)
				third, _ := bal.Pick(in)
				bal.Done(third, Result{Status: 200})
				if first.Addr == second.Addr || second.Addr == third.Addr || first.Addr == third.Addr {
					t.Fatalf("retry reused a tried peer: %s, %s, %s", first.Addr, second.Addr, third.Addr)
				}
				in.Tried = append(in.Tried, third.Addr)
				if fourth, err := bal.Pick(in); err != nil {
					t.Fatalf("Pick with every peer tried: %v, want one of them again", err)
				} else {
					bal.Done(fourth, Result{Status: 200})
				}
			}
		})
	}
}
