package plugin

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DescribeChain renders which instance (by entity id) each plugin of c
// runs, per scope, for tests comparing two chains.
func DescribeChain(c *Chain) string {
	if c == nil {
		return "<nil>"
	}
	var b strings.Builder
	ids := func(m map[string]*Instance) string {
		var parts []string
		for _, cid := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, cid+"="+m[cid].Entity.ID)
		}
		return strings.Join(parts, ",")
	}
	for _, e := range c.entries {
		base := ""
		if e.base != nil {
			base = e.base.Entity.ID
		}
		fmt.Fprintf(&b, "%s base=%s route={%s} service={%s} consumer={%s}\n", e.plugin.name, base, ids(e.route), ids(e.service), ids(e.consumer))
	}
	for _, in := range c.rewrite {
		fmt.Fprintf(&b, "rewrite %s\n", in.Entity.ID)
	}
	return b.String()
}
