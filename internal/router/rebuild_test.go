package router

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func TestRebuild(t *testing.T) {
	t.Parallel()
	users := route("users", paths(`~/users/\d+`))
	old, err := New([]*entity.Route{users}, nil)
	if err != nil {
		t.Fatal(err)
	}
	orders := route("orders", paths(`~/orders/\d+`))
	next, err := old.Rebuild([]*entity.Route{users, orders}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("unchanged pattern is shared", func(t *testing.T) {
		if old.regexes[`^/users/\d+`] == nil || old.regexes[`^/users/\d+`] != next.regexes[`^/users/\d+`] {
			t.Fatal("the rebuilt router compiled /users/ again instead of reusing it")
		}
	})
	t.Run("new router has the new route", func(t *testing.T) {
		if m := next.Match(&Request{Method: "GET", Path: "/orders/1"}); m == nil || m.Route.Name != "orders" {
			t.Fatalf("got %+v", m)
		}
	})
	t.Run("old router is untouched", func(t *testing.T) {
		if m := old.Match(&Request{Method: "GET", Path: "/orders/1"}); m != nil {
			t.Fatalf("old router matched %s", m.Route.Name)
		}
		if _, ok := old.regexes[`^/orders/\d+`]; ok {
			t.Fatal("Rebuild wrote into the old router's regexes")
		}
	})
	t.Run("dropped patterns are forgotten", func(t *testing.T) {
		again, err := next.Rebuild([]*entity.Route{orders}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := again.regexes[`^/users/\d+`]; ok {
			t.Fatal("a pattern no route uses is kept")
		}
	})
	t.Run("invalid regex still fails", func(t *testing.T) {
		if _, err := next.Rebuild([]*entity.Route{route("bad", paths("~(("))}, nil); err == nil {
			t.Fatal("Rebuild accepted an invalid regex")
		}
	})
	t.Run("nil router builds from scratch", func(t *testing.T) {
		var none *Router
		r, err := none.Rebuild([]*entity.Route{users}, nil)
		if err != nil || r.Match(&Request{Method: "GET", Path: "/users/1"}) == nil {
			t.Fatalf("Rebuild on nil: %v", err)
		}
	})
}
