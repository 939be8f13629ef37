package testutil

import (
	"testing"
	"time"
)

// Eventually polls cond every 20 ms until it holds, and fails the test
// naming what it waited for if timeout passes first. cond runs at least
// once, even with a timeout of zero, and once more after the deadline, so
// a slow poll cannot fail a condition that became true meanwhile.
func Eventually(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		done := time.Now().After(deadline)
		if cond() {
			return
		}
		if done {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}
