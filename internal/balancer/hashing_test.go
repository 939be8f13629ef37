package balancer

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

func TestConsistentHashingSources(t *testing.T) {
	t.Parallel()
	a, b, c := newBackend(t), newBackend(t), newBackend(t)
	cases := []struct {
		name string
		mod  func(u *entity.Upstream)
		in   func(key string) *PickInput
	}{
		{"header", func(u *entity.Upstream) { u.HashOn, u.HashOnHeader = "header", "x-user" },
			func(k string) *PickInput { return &PickInput{Request: requestWithHeader("X-User", k)} }},
		{"header falls back to ip", func(u *entity.Upstream) {
			u.HashOn, u.HashOnHeader, u.HashFallback = "header", "x-user", "ip"
		}, func(k string) *PickInput {
			return &PickInput{Request: httptest.NewRequest(http.MethodGet, "/", nil), ClientIP: k}
		}},
		{"consumer", func(u *entity.Upstream) { u.HashOn = "consumer" },
			func(k string) *PickInput { return &PickInput{ConsumerID: k} }},
		{"consumer falls back to header", func(u *entity.Upstream) {
			u.HashOn, u.HashFallback, u.HashFallbackHeader = "consumer", "header", "x-tenant"
		}, func(k string) *PickInput { return &PickInput{Request: requestWithHeader("X-Tenant", k)} }},
		{"ip", func(u *entity.Upstream) { u.HashOn = "ip" },
			func(k string) *PickInput { return &PickInput{ClientIP: k} }},
		{"path", func(u *entity.Upstream) { u.HashOn = "path" },
			func(k string) *PickInput {
				return &PickInput{Request: httptest.NewRequest(http.MethodGet, "/items/"+k+"?x=1", nil)}
			}},
		{"query_arg", func(u *entity.Upstream) { u.HashOn, u.HashOnQueryArg = "query_arg", "user" },
			func(k string) *PickInput {
				return &PickInput{Request: httptest.NewRequest(http.MethodGet, "/?a=b&user="+k, nil)}
			}},
		{"uri_capture", func(u *entity.Upstream) { u.HashOn, u.HashOnURICapture = "uri_capture", "id" },
			func(k string) *PickInput { return &PickInput{Captures: map[string]string{"id": k}} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = "consistent-hashing"; tc.mod(u) })
			bal := start(t, up, targets(a.addr, 100, b.addr, 100, c.addr, 100), Options{})
			used := map[string]bool{}
			for k := range 40 {
				key := "key-" + strconv.Itoa(k)
				first, err := proxy(t, bal, tc.in(key))
				if err != nil {
					t.Fatal(err)
				}
				used[first.Addr] = true
				for range 4 {
					again, _ := proxy(t, bal, tc.in(key))
					if again.Addr != first.Addr {
						t.Fatalf("key %s went to %s, then to %s", key, first.Addr, again.Addr)
					}
				}
			}
			if len(used) < 2 {
				t.Fatalf("40 keys all went to %v; hashing does not spread keys", used)
			}
		})
	}
}

func TestConsistentHashingCookie(t *testing.T) {
	t.Parallel()
	a, b := newBackend(t), newBackend(t)
	up := fixture.Upstream("backend", func(u *entity.Upstream) {
		u.Algorithm, u.HashOn, u.HashOnCookie, u.HashOnCookiePath = "consistent-hashing", "cookie", "sticky", "/app"
	})

	bal := start(t, up, targets(a.addr, 100, b.addr, 100), Options{})
	for range 10 {
		first, err := bal.Pick(&PickInput{Request: httptest.NewRequest(http.MethodGet, "/app/x", nil)})
		if err != nil {
			t.Fatal(err)
		}
		bal.Done(first, Result{Status: 200})
		c := first.SetCookie
		if c == nil || c.Name != "sticky" || c.Path != "/app" || c.Value == "" || !c.HttpOnly {
			t.Fatalf("request without cookie: SetCookie = %+v, want sticky=<value>; Path=/app; HttpOnly", c)
		}
		for range 5 {
			r := httptest.NewRequest(http.MethodGet, "/app/x", nil)
			r.AddCookie(&http.Cookie{Name: "sticky", Value: c.Value})
			again, _ := bal.Pick(&PickInput{Request: r})
			bal.Done(again, Result{Status: 200})
			if again.SetCookie != nil {
				t.Fatalf("request carrying the cookie got another Set-Cookie: %+v", again.SetCookie)
			}
			if again.Addr != first.Addr {
				t.Fatalf("cookie %s went to %s, then to %s", c.Value, first.Addr, again.Addr)
			}
		}
	}
}

// owners maps n keys to the address each is hashed to.
func owners(t *testing.T, ts []*entity.Target, n int) map[string]string {
	t.Helper()
	up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm, u.HashOn = "consistent-hashing", "consumer" })
	bal := start(t, up, ts, Options{})
	out := make(map[string]string, n)
	for i := range n {
		k := "consumer-" + strconv.Itoa(i)
		p, err := bal.Pick(&PickInput{ConsumerID: k})
		if err != nil {
			t.Fatal(err)
		}
		bal.Done(p, Result{})
		out[k] = p.Addr
	}
	return out
}

func TestConsistentHashingRemapsFewKeys(t *testing.T) {
	t.Parallel()
	const keys = 20000
	four := targets("10.0.0.1:80", 100, "10.0.0.2:80", 100, "10.0.0.3:80", 100, "10.0.0.4:80", 100)
	five := append(targets("10.0.0.5:80", 100), four...)
	before, after := owners(t, four, keys), owners(t, five, keys)

	moved, toNew := 0, 0
	for k, addr := range before {
		if after[k] != addr {
			moved++
			if after[k] == "10.0.0.5:80" {
				toNew++
			}
		}
	}
	if frac := float64(moved) / keys; frac > 1.0/5+0.05 {
		t.Errorf("adding a 5th target moved %.3f of keys, want about 1/5", frac)
	}
	if moved != toNew {
		t.Errorf("adding a target moved %d keys between old targets; only moves to the new one are expected", moved-toNew)
	}

	// Removing a target moves only the keys it owned.
	three := four[1:]
	less := owners(t, three, keys)
	for k, addr := range before {
		if addr != "10.0.0.1:80" && less[k] != addr {
			t.Fatalf("removing 10.0.0.1 moved key %s from %s to %s", k, addr, less[k])
		}
	}
}

func TestConsistentHashingSkipsUnhealthy(t *testing.T) {
	t.Parallel()
	ts := targets("10.0.0.1:80", 100, "10.0.0.2:80", 100, "10.0.0.3:80", 100)
	up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm, u.HashOn = "consistent-hashing", "consumer" })
	bal := start(t, up, ts, Options{})
	pick := func(k string) string {
		p, err := bal.Pick(&PickInput{ConsumerID: k})
		if err != nil {
			t.Fatal(err)
		}
		bal.Done(p, Result{})
		return p.Addr
	}
	before := map[string]string{}
	for i := range 3000 {
		k := strconv.Itoa(i)
		before[k] = pick(k)
	}
	if err := bal.SetHealth("10.0.0.2:80", "", false); err != nil {
		t.Fatal(err)
	}
	for k, addr := range before {
		got := pick(k)
		if got == "10.0.0.2:80" {
			t.Fatalf("key %s still goes to the unhealthy target", k)
		}
		if addr != "10.0.0.2:80" && got != addr {
			t.Fatalf("key %s moved from healthy %s to %s when another target went down", k, addr, got)
		}
	}
	if err := bal.SetHealth("10.0.0.2:80", "", true); err != nil {
		t.Fatal(err)
	}
	for k, addr := range before {
		if got := pick(k); got != addr {
			t.Fatalf("key %s goes to %s after recovery, want its old %s", k, got, addr)
		}
	}
}
