package settings

import (
	"fmt"
	"maps"
	"slices"
)

// unknownKey is the error for a key that names no setting, with the
// closest setting's name when one is near enough to be a typo.
func unknownKey(key string, known map[string]bool) string {
	if best := closest(key, known); best != "" {
		return fmt.Sprintf("unknown setting %q (did you mean %q? see docs/configuration.md for the list)", key, best)
	}
	return fmt.Sprintf("unknown setting %q (see docs/configuration.md for the list)", key)
}

// closest returns the known key nearest to key, when it is within a
// typo's reach (an edit distance of 2, 1 for keys of 5 letters or fewer;
// the first in sorted order on a tie), else "".
func closest(key string, known map[string]bool) string {
	reach := 2
	if len(key) <= 5 {
		reach = 1
	}
	best, bestD := "", reach+1
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
