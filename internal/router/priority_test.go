package router

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestPriorityOrder pins the whole matcher order of README.md on one
// config: attribute count, plain hosts, header count, regex, regex_priority,
// prefix length, created_at, id.
func TestPriorityOrder(t *testing.T) {
	t.Parallel()
	created := func(n int64) func(*entity.Route) { return func(r *entity.Route) { r.CreatedAt = n } }
	rp := func(n int) func(*entity.Route) { return func(r *entity.Route) { r.RegexPriority = n } }
	routes := []*entity.Route{
		route("J", methods("GET")),
		route("I", paths("/")),
		route("H", with(hosts("a.com"), paths("/abc", "/abcdef"))),
		route("G", with(hosts("a.com"), paths(`~/r`), created(2))),
		route("F", with(hosts("a.com"), paths(`~/r`), created(1))),
		route("E", with(hosts("a.com"), paths(`~/r`), rp(10), created(3))),
		route("D", with(hosts("*.a.com"), headers("x", "1", "y", "2", "z", "3"), paths("/p"))),
		route("C", with(hosts("a.com"), headers("x", "1"), paths("/longer"))),
		route("B", with(hosts("a.com"), headers("x", "1"), paths(`~/r`))),
		route("A", with(hosts("a.com"), headers("x", "1", "y", "2"), paths("/p"))),
		route("K", with(hosts("a.com"), paths(`~/r`), rp(-5))),
	}
	rt, err := New(routes, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rt.sorted {
		name := m.route.Name
		if len(m.prefixes) > 0 && len(m.route.Paths) > 1 {
			name = fmt.Sprintf("%s%d", name, m.prio.length)
		}
		got = append(got, name)
	}
	want := []string{"A", "B", "C", "D", "E", "F", "G", "K", "H7", "H4", "I", "J"}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v\nwant    %v", got, want)
	}
}
