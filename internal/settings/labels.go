package settings

import (
	"fmt"
	"strings"
)

// maxLabels is Kong's limit on cluster_dp_labels.
const maxLabels = 10

// parseLabels parses cluster_dp_labels: "key:value,key:value", at most ten,
// keys and values 1 to 63 characters of letters, digits, '.', '-', '_', '~'.
func parseLabels(v string) (map[string]string, error) {
	items := splitList(v)
	if len(items) == 0 {
		return nil, nil
	}
	if len(items) > maxLabels {
		return nil, fmt.Errorf("has %d labels, at most %d are allowed", len(items), maxLabels)
	}
	labels := make(map[string]string, len(items))
	for _, item := range items {
		k, val, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("label %q must be key:value", item)
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		for _, s := range []string{k, val} {
			if !labelPart(s) {
				return nil, fmt.Errorf("label %q: keys and values must be 1 to 63 characters of letters, digits, '.', '-', '_' or '~'", item)
			}
		}
		if _, dup := labels[k]; dup {
			return nil, fmt.Errorf("label key %q appears twice", k)
		}
		labels[k] = val
	}
	return labels, nil
}

func labelPart(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_~", r)
		if !ok {
			return false
		}
	}
	return true
}
