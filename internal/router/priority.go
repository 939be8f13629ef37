package router

import "strings"

// priority is Kong's traditional_compatible route priority, compared field
// by field in this order (see README.md).
type priority struct {
	weight        int  // how many of methods, hosts, headers, snis, paths are set
	plainHosts    bool // hosts set, none of them a wildcard
	headers       int  // number of header names, capped at 255
	regex         bool // the path group is regexes
	regexPriority int  // regex_priority, regex groups only
	length        int  // prefix length, prefix groups only
}

// compare orders by priority (higher first), then created_at (older first),
// then id, then input order, so the order never depends on map iteration.
func (a *matcher) compare(b *matcher) int {
	pa, pb := a.prio, b.prio
	switch {
	case pa.weight != pb.weight:
		return pb.weight - pa.weight
	case pa.plainHosts != pb.plainHosts:
		return boolOrder(pa.plainHosts)
	case pa.headers != pb.headers:
		return pb.headers - pa.headers
	case pa.regex != pb.regex:
		return boolOrder(pa.regex)
	case pa.regexPriority != pb.regexPriority:
		return cmpInt(pb.regexPriority, pa.regexPriority)
	case pa.length != pb.length:
		return pb.length - pa.length
	case a.route.CreatedAt != b.route.CreatedAt:
		return cmpInt(int(a.route.CreatedAt), int(b.route.CreatedAt))
	case a.route.ID != b.route.ID:
		return strings.Compare(a.route.ID, b.route.ID)
	}
	if a.order != b.order {
		return a.order - b.order
	}
	return a.group - b.group
}

func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
