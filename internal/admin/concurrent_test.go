package admin

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentPatchesKeepEachOther sends PATCHes of different fields of
// one service at the same time: each must land, none may revert another
// (a read-modify-write outside the write transaction loses updates).
func TestConcurrentPatchesKeepEachOther(t *testing.T) {
	t.Parallel()
	onBothStores(t, testConcurrentPatches)
}

func testConcurrentPatches(t *testing.T, a *testAPI) {
	fields := []string{"retries", "connect_timeout", "read_timeout", "write_timeout", "port"}
	for round := range 10 {
		name := fmt.Sprintf("svc-%d", round)
		a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": name, "host": "h.internal"})
		var wg sync.WaitGroup
		codes := make([]int, len(fields))
		for i, f := range fields {
			wg.Go(func() { // plain HTTP: no t.Fatal off the test goroutine
				req, _ := http.NewRequest("PATCH", a.srv.URL+"/services/"+name, strings.NewReader(fmt.Sprintf(`{%q:%d}`, f, 1000+i)))
				req.Header.Set("Content-Type", "application/json")
				if res, err := a.srv.Client().Do(req); err == nil {
					res.Body.Close()
					codes[i] = res.StatusCode
				}
			})
		}
		wg.Wait()
		got := a.must(http.StatusOK, "GET", "/services/"+name, nil)
		for i, f := range fields {
			if codes[i] != http.StatusOK {
				t.Fatalf("round %d: PATCH %s = %d", round, f, codes[i])
			}
			if jsonInt(got[f]) != 1000+i {
				t.Fatalf("round %d: %s = %v after concurrent PATCHes, want %d: an update was lost", round, f, got[f], 1000+i)
			}
		}
	}
}
