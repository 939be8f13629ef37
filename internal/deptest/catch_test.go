package deptest

import (
	"strings"
	"testing"
)

// TestRulesCatchForbiddenImports feeds the rules made-up module graphs
// with one forbidden import each, so TestDependencies can be trusted to
// fail when someone adds such an import to the real tree.
func TestRulesCatchForbiddenImports(t *testing.T) {
	t.Parallel()
	m := module
	tests := []struct {
		name string
		pkgs map[string]*pkg
		want string // a substring of one violation
	}{
		{"model imports the store", map[string]*pkg{
			"internal/entity": {Imports: []string{m + "internal/store"}, Deps: []string{m + "internal/store"}},
		}, "internal/entity imports internal/store"},
		{"body reading imports the plugin framework", map[string]*pkg{
			"internal/body": {Imports: []string{m + "internal/plugin"}, Deps: []string{m + "internal/plugin"}},
		}, "internal/body imports internal/plugin, outside"},
		{"snapshot reaches the store through the router", map[string]*pkg{
			"internal/snapshot": {Imports: []string{m + "internal/router"}, Deps: []string{m + "internal/router", m + "internal/store/sqlite"}},
			"internal/router":   {Imports: []string{m + "internal/store/sqlite"}, Deps: []string{m + "internal/store/sqlite"}},
		}, "internal/snapshot imports internal/store/sqlite (internal/snapshot → internal/router → internal/store/sqlite)"},
		{"plugin test imports the proxy", map[string]*pkg{
			"plugins/cors": {XTestImports: []string{m + "internal/proxy"}},
		}, "tests of plugins/cors import internal/proxy"},
		{"plugin imports another plugin", map[string]*pkg{
			"plugins/acl": {Imports: []string{m + "plugins/key-auth"}, Deps: []string{m + "plugins/key-auth"}},
		}, "plugins/acl imports plugins/key-auth, outside"},
		{"shipped code imports a test helper", map[string]*pkg{
			"internal/node": {Imports: []string{m + "internal/entity/entitytest"}, Deps: []string{m + "internal/entity/entitytest"}},
		}, "internal/node imports internal/entity/entitytest"},
		{"shipped code imports a new test helper", map[string]*pkg{
			"internal/cluster/cp": {Deps: []string{m + "internal/cluster/clustertls/clustertlstest"}},
		}, "internal/cluster/cp imports internal/cluster/clustertls/clustertlstest"},
		{"cluster data plane imports the control plane", map[string]*pkg{
			"internal/cluster/dp": {Deps: []string{m + "internal/cluster/cp"}},
		}, "internal/cluster/dp imports internal/cluster/cp"},
		{"the declarative loader imports the node wiring", map[string]*pkg{
			"internal/declarative": {Deps: []string{m + "internal/app"}},
		}, "internal/declarative imports internal/app"},
		{"the control plane imports the router", map[string]*pkg{
			"internal/cluster/cp": {Deps: []string{m + "internal/router"}},
		}, "internal/cluster/cp imports internal/router"},
		{"the control plane imports the snapshot for a helper", map[string]*pkg{
			"internal/cluster/cp": {Imports: []string{m + "internal/snapshot"}, Deps: []string{m + "internal/snapshot"}},
		}, "internal/cluster/cp imports internal/snapshot"},
		{"a provider imports another", map[string]*pkg{
			"internal/provider/file": {Deps: []string{m + "internal/provider/database"}},
		}, "internal/provider/file imports internal/provider/database"},
		{"the data plane agent imports a provider", map[string]*pkg{
			"internal/cluster/dp": {Deps: []string{m + "internal/provider/push"}},
		}, "internal/cluster/dp imports internal/provider/push"},
		{"the pipeline imports the proxy engine", map[string]*pkg{
			"internal/pipeline": {Deps: []string{m + "internal/engine"}},
		}, "internal/pipeline imports internal/engine"},
		{"the store imports the CLI", map[string]*pkg{
			"internal/store/sqlite": {Deps: []string{m + "internal/cli"}},
		}, "internal/store/sqlite imports internal/cli"},
		{"admin imports the proxy", map[string]*pkg{
			"internal/admin": {Deps: []string{m + "internal/proxy"}},
		}, "internal/admin imports internal/proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var all []string
			for _, r := range rules {
				for _, v := range r.violations(tt.pkgs) {
					if !strings.Contains(v, "matches no package") {
						all = append(all, v)
					}
				}
			}
			for _, v := range all {
				if strings.Contains(v, tt.want) {
					return
				}
			}
			t.Errorf("no violation contains %q; got %q", tt.want, all)
		})
	}
}

// TestRuleWithoutPackagesFails keeps a rule from passing forever after
// the packages it guards are renamed.
func TestRuleWithoutPackagesFails(t *testing.T) {
	t.Parallel()
	r := rule{name: "gone", pkgs: []string{"internal/renamed/..."}, forbid: []string{"internal/store/..."}}
	v := r.violations(map[string]*pkg{"internal/entity": {}})
	if len(v) != 1 || !strings.Contains(v[0], "matches no package") {
		t.Errorf("violations = %q, want one about matching no package", v)
	}
}
