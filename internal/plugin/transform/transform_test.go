package transform

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// ops renames a→b, replaces c (present) and d (absent), adds c (present,
// kept) and e, appends f twice, after removing g.
var ops = NewOps([]string{"g"}, []string{"a:b"}, []string{"c:C", "d:D"}, []string{"c:no", "e:E"}, []string{"f:1", "f:2"})

func TestApplyOrder(t *testing.T) {
	t.Parallel()
	t.Run("header", func(t *testing.T) {
		h := http.Header{"A": {"x"}, "C": {"c"}, "G": {"g"}}
		if !ops.Apply(Header(h)) {
			t.Fatal("no change reported")
		}
		want := http.Header{"B": {"x"}, "C": {"C"}, "E": {"E"}, "F": {"1", "2"}}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("got %v, want %v", h, want)
		}
	})
	t.Run("values", func(t *testing.T) {
		q := url.Values{"a": {"x"}, "b": {"y"}, "c": {"c"}, "g": {"g"}}
		ops.Apply(Values(q))
		want := url.Values{"b": {"y", "x"}, "c": {"C"}, "e": {"E"}, "f": {"1", "2"}}
		if !reflect.DeepEqual(q, want) {
			t.Errorf("got %v, want %v", q, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		j := JSON{"a": 1.0, "c": true, "f": "0", "g": nil}
		ops.Apply(j)
		want := JSON{"b": 1.0, "c": "C", "e": "E", "f": []any{"0", "1", "2"}}
		if !reflect.DeepEqual(j, want) {
			t.Errorf("got %v, want %v", j, want)
		}
	})
}

func TestApplyNothing(t *testing.T) {
	t.Parallel()
	empty := NewOps(nil, nil, nil, nil, nil)
	if !empty.Empty() || empty.Apply(Header(http.Header{"A": {"1"}})) {
		t.Error("empty ops must report no change")
	}
	if (&ops).Empty() {
		t.Error("ops reported empty")
	}
}

func TestCheckPairs(t *testing.T) {
	t.Parallel()
	var errs entity.Errors
	CheckPairs(&errs, "add.headers", []string{"a:1", "b", ":c", "d:"})
	if len(errs) != 2 || errs[0].Field != "add.headers[2]" || errs[1].Field != "add.headers[3]" {
		t.Errorf("errors = %v", errs)
	}
}
