package admin

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
)

func TestPagination(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	want := map[string]bool{}
	for i := range 25 {
		name := fmt.Sprintf("user-%02d", i)
		want[name] = true
		a.must(http.StatusCreated, "POST", "/consumers", map[string]any{"username": name})
	}

	t.Run("following next visits every consumer once", func(t *testing.T) {
		a := a.with(t)
		seen := map[string]bool{}
		next, pages := "/consumers?size=10", 0
		for next != "" {
			page := a.must(http.StatusOK, "GET", next, nil)
			pages++
			for _, c := range page["data"].([]any) {
				name := c.(map[string]any)["username"].(string)
				if seen[name] {
					t.Fatalf("%s listed twice", name)
				}
				seen[name] = true
			}
			next, _ = page["next"].(string)
			if next != "" && (page["offset"] == nil || !strings.Contains(next, "size=10")) {
				t.Fatalf("page with next %q lacks offset or size: %v", next, page)
			}
			if next == "" {
				if _, has := page["offset"]; has {
					t.Fatalf("last page has an offset: %v", page)
				}
				if v, has := page["next"]; !has || v != nil {
					t.Fatalf("last page next must be null: %v", page)
				}
			}
		}
		if pages != 3 || len(seen) != len(want) {
			t.Fatalf("%d pages, %d consumers; want 3 pages, %d consumers", pages, len(seen), len(want))
		}
	})
	t.Run("default size holds everything", func(t *testing.T) {
		a := a.with(t)
		page := a.must(http.StatusOK, "GET", "/consumers", nil)
		if len(page["data"].([]any)) != 25 || page["next"] != nil {
			t.Fatalf("default page: %d items, next %v", len(page["data"].([]any)), page["next"])
		}
	})
	for _, tc := range []struct{ name, query, says string }{
		{"size not a number", "size=ten", "size must be a number"},
		{"size too large", "size=1001", "between 1 and 1000"},
		{"size zero", "size=0", "between 1 and 1000"},
		{"size fractional", "size=2.5", "between 1 and 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			wantError(t, a.do("GET", "/consumers?"+tc.query, nil), http.StatusBadRequest, 9, tc.says)
		})
	}
	t.Run("garbage offset", func(t *testing.T) {
		a := a.with(t)
		wantError(t, a.do("GET", "/consumers?offset=%25%25%25", nil), http.StatusBadRequest, 7, "offset")
		// Decodes as base64 but is no page's offset: refused, not an empty page.
		wantError(t, a.do("GET", "/consumers?offset=garbage", nil), http.StatusBadRequest, 7, "offset")
	})
	t.Run("empty collection", func(t *testing.T) {
		a := a.with(t)
		page := a.must(http.StatusOK, "GET", "/upstreams", nil)
		if d, ok := page["data"].([]any); !ok || len(d) != 0 {
			t.Fatalf("empty list must be data: []: %v", page)
		}
	})
}

func TestTagFilters(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	for name, tags := range map[string][]string{
		"s-ab": {"a", "b"}, "s-a": {"a"}, "s-b": {"b"}, "s-c": {"c"}, "s-none": nil,
	} {
		a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": name, "host": "h.internal", "tags": tags})
	}
	names := func(page map[string]any) string {
		var out []string
		for _, s := range page["data"].([]any) {
			out = append(out, s.(map[string]any)["name"].(string))
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ query, want string }{
		{"tags=a", "s-a s-ab"},
		{"tags=a,b", "s-ab"},
		{"tags=a/b", "s-a s-ab s-b"},
		{"tags=a/c", "s-a s-ab s-c"},
		{"tags=zzz", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a := a.with(t)
			if got := names(a.must(http.StatusOK, "GET", "/services?"+tc.query, nil)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("paging keeps the filter", func(t *testing.T) {
		a := a.with(t)
		page := a.must(http.StatusOK, "GET", "/services?tags=a/b&size=1", nil)
		next, _ := page["next"].(string)
		if !strings.Contains(next, "tags=a%2Fb") {
			t.Fatalf("next %q lost the tags filter", next)
		}
		second := a.must(http.StatusOK, "GET", next, nil)
		if n := names(second); n == "s-c" || n == "s-none" {
			t.Fatalf("second page ignores the filter: %s", n)
		}
	})
	t.Run("mixed separators", func(t *testing.T) {
		a := a.with(t)
		wantError(t, a.do("GET", "/services?tags=a,b/c", nil), http.StatusBadRequest, 11, "tags")
	})
}
