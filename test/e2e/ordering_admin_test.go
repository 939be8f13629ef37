package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestOrderingAdminWritesGoLiveInOrder checks, on a traditional node
// (SQLite, Admin API), that a burst of Admin API writes reaches traffic as
// whole database revisions, in order: no request ever sees a later write
// live while an earlier one is not, nor an older configuration after a
// newer one. A poller sends requests without pause during the burst, so a
// snapshot that skipped a write, or an older one swapped in after a newer,
// is caught while it serves even for a few milliseconds.
func TestOrderingAdminWritesGoLiveInOrder(t *testing.T) {
	t.Parallel()
	up := newHeaderEcho(t)
	n := startTraditional(t)
	a := n.AdminURL()
	mustAdmin(t, 201, "POST", a+"/services", map[string]any{"name": "echo", "url": up.URL})
	for _, c := range []struct{ name, key, group string }{{"alice", "alice-key", "base"}, {"bob", "bob-key", "outsiders"}, {"carol", "carol-key", "readers"}} {
		mustAdmin(t, 201, "POST", a+"/consumers", map[string]any{"username": c.name})
		mustAdmin(t, 201, "POST", a+"/consumers/"+c.name+"/key-auth", map[string]any{"key": c.key})
		mustAdmin(t, 201, "POST", a+"/consumers/"+c.name+"/acls", map[string]any{"group": c.group})
	}

	// key-auth, acl, then rate-limiting (written last) on a fresh route,
	// six times. Once carol's answer carries rate-limiting's headers,
	// every later request must see acl too: bob (not a reader) gets 403.
	t.Run("plugin written last is never live before one written earlier", func(t *testing.T) {
		for i := range 6 {
			path := fmt.Sprintf("/burst%d", i)
			route := fmt.Sprintf("burst-%d", i)
			mustAdmin(t, 201, "POST", a+"/services/echo/routes", map[string]any{"name": route, "paths": []string{path}})
			testutil.Eventually(t, route+" to route", 10*time.Second, func() bool { resp, _ := call(t, n.ProxyURL()+path); return resp.StatusCode == 200 })
			seen := pollUntil(t, func() (bool, string) {
				carol, _, err := probe(n.ProxyURL()+path, "carol-key")
				if err != nil {
					return true, err.Error()
				}
				if carol.Header.Get("X-RateLimit-Limit-Minute") != "100" {
					return false, ""
				}
				bob, body, err := probe(n.ProxyURL()+path, "bob-key")
				if err != nil {
					return true, err.Error()
				}
				if bob.StatusCode != 403 {
					return true, fmt.Sprintf("carol's answer had rate-limiting's headers, bob's next request got %d %s (want acl's 403)", bob.StatusCode, body)
				}
				return true, ""
			}, func() {
				mustAdmin(t, 201, "POST", a+"/routes/"+route+"/plugins", map[string]any{"name": "key-auth"})
				mustAdmin(t, 201, "POST", a+"/routes/"+route+"/plugins", map[string]any{"name": "acl", "config": map[string]any{"allow": []string{"readers"}}})
				mustAdmin(t, 201, "POST", a+"/routes/"+route+"/plugins", map[string]any{"name": "rate-limiting", "config": map[string]any{"minute": 100, "policy": "local"}})
			})
			if seen != "" {
				t.Fatalf("%s: %s", route, seen)
			}
		}
	})

	// Writes of two kinds in turn: odd steps add an ACL group to alice
	// (consumer data), even steps change a plugin's config. One answer
	// shows both (X-Step and X-Consumer-Groups upstream), so it must be
	// the state after some step r, and r must never go back. The last
	// step adds a group only, so consumer data alone must reach traffic.
	t.Run("writes of different kinds go live as whole revisions in order", func(t *testing.T) {
		mustAdmin(t, 201, "POST", a+"/services/echo/routes", map[string]any{"name": "steps", "paths": []string{"/steps"}})
		mustAdmin(t, 201, "POST", a+"/routes/steps/plugins", map[string]any{"name": "key-auth"})
		mustAdmin(t, 201, "POST", a+"/routes/steps/plugins", map[string]any{"name": "acl", "config": map[string]any{"allow": []string{"base"}}})
		rt := mustAdmin(t, 201, "POST", a+"/routes/steps/plugins", map[string]any{"name": "request-transformer", "config": map[string]any{"add": map[string]any{"headers": []string{"X-Step:0"}}}})
		var plugin struct{ ID string }
		if err := json.Unmarshal([]byte(rt), &plugin); err != nil || plugin.ID == "" {
			t.Fatalf("request-transformer answer %s: %v", rt, err)
		}
		stepOf := func() (int, error) {
			resp, body, err := probe(n.ProxyURL()+"/steps", "alice-key")
			if err != nil {
				return -1, err
			}
			var h http.Header
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &h) != nil {
				return -1, fmt.Errorf("alice got %d %s", resp.StatusCode, body)
			}
			return stateStep(h.Get("X-Step"), h.Get("X-Consumer-Groups"))
		}
		testutil.Eventually(t, "the steps route's plugins to apply", 10*time.Second, func() bool { s, _ := stepOf(); return s == 0 })
		const steps = 41
		last := 0
		seen := pollUntil(t, func() (bool, string) {
			s, err := stepOf()
			switch {
			case err != nil:
				return true, err.Error()
			case s < last:
				return true, fmt.Sprintf("went back from the state after step %d to the one after step %d", last, s)
			}
			last = s
			return s == steps, ""
		}, func() {
			for s := 1; s <= steps; s++ {
				if s%2 == 1 {
					mustAdmin(t, 201, "POST", a+"/consumers/alice/acls", map[string]any{"group": fmt.Sprintf("g%d", s)})
					continue
				}
				mustAdmin(t, 200, "PATCH", a+"/plugins/"+plugin.ID, map[string]any{"config": map[string]any{"add": map[string]any{"headers": []string{fmt.Sprintf("X-Step:%d", s)}}}})
			}
		})
		if seen != "" {
			t.Fatal(seen)
		}
	})
}

// stateStep returns the step r whose state an answer shows: X-Step is the
// last even step ≤ r, the groups besides "base" are g1, g3, … every odd
// step ≤ r. Any other combination is an error naming it.
func stateStep(xstep, groups string) (int, error) {
	p, err := strconv.Atoi(xstep)
	if err != nil {
		return -1, fmt.Errorf("X-Step %q is not a step", xstep)
	}
	odd := map[int]bool{}
	for g := range strings.SplitSeq(groups, ",") {
		g = strings.TrimSpace(g)
		if g == "base" {
			continue
		}
		k, err := strconv.Atoi(strings.TrimPrefix(g, "g"))
		if err != nil || k%2 != 1 {
			return -1, fmt.Errorf("unexpected group %q in %q", g, groups)
		}
		odd[k] = true
	}
	r := p
	if odd[p+1] {
		r = p + 1
	}
	for k := 1; k <= r; k += 2 {
		if !odd[k] {
			return -1, fmt.Errorf("X-Step %d with groups %q: group g%d (written before) is missing", p, groups, k)
		}
	}
	if len(odd) != (r+1)/2 {
		return -1, fmt.Errorf("X-Step %d with groups %q: a group written after step %d is live before it", p, groups, p+1)
	}
	return r, nil
}

// probe sends GET url with an apikey header from a polling goroutine,
// where t.Fatal must not be called: a transport error is returned.
func probe(url, apikey string) (*http.Response, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("apikey", apikey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: reading the answer: %w", url, err)
	}
	return resp, string(b), nil
}

// pollUntil runs writes while check runs in a tight loop, and keeps
// checking after writes return until check says done (for at most 30s).
// It returns the first violation check reports ("" for none).
func pollUntil(t *testing.T, check func() (done bool, violation string), writes func()) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var violation string
	wg.Go(func() {
		for ctx.Err() == nil {
			done, v := check()
			if v != "" {
				violation = v
				return
			}
			if done {
				return
			}
		}
	})
	writes()
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
		return violation
	case <-time.After(30 * time.Second):
		cancel()
		<-waited
		return "the writes never all showed within 30s"
	}
}
