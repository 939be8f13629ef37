// Package spell suggests the name a user probably meant: the "did you
// mean" of unknown setting keys and plugin names. It imports nothing of
// Gantry's.
package spell

import "slices"

// Closest returns the candidate nearest to word when it is within a
// typo's reach (an edit distance of 2, 1 for words of 5 letters or
// fewer; the first in sorted order on a tie), else "".
func Closest(word string, candidates []string) string {
	reach := 2
	if len(word) <= 5 {
		reach = 1
	}
	best, bestD := "", reach+1
	for _, c := range slices.Sorted(slices.Values(candidates)) {
		if d := Distance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
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
