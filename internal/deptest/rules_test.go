package deptest

// rule forbids some imports to a group of packages. Paths are relative to
// the module; "x/..." means x and everything below it, "*test" any
// package whose last element ends in "test".
type rule struct {
	name string
	// pkgs are the packages the rule applies to, except is carved out of them.
	pkgs, except []string
	// forbid lists packages that may not appear among pkgs' dependencies,
	// direct or indirect, in shipped (non-test) code.
	forbid []string
	// only, when set, is an allow list: every direct import of ours must be
	// under one of these or under the package's own tree (what those
	// imports pull in is the business of forbid rules).
	only []string
	// tests also checks the direct imports of the packages' test files
	// against forbid (indirect ones would pull in the test harnesses).
	tests bool
	why   string
}

// controlPlane is what a data plane's packages must run without: the Admin
// API, the database stores and their provider, the control plane's cluster
// side, the node's lifecycle, the composition root and the CLI.
var controlPlane = []string{"internal/cluster/cp/...", "internal/admin/...", "internal/store/...",
	"internal/provider/database/...", "internal/node/...", "internal/app/...", "internal/cli/..."}

// providers are the sources of configuration; each feeds the pipeline and
// none knows another.
var providers = []string{"internal/provider/file", "internal/provider/database", "internal/provider/push",
	"internal/cluster/dp"}

// dataPlane is everything on the request path or in a data plane node's
// cluster agent.
var dataPlane = []string{"internal/cluster/dp/...", "internal/proxy/...", "internal/snapshot/...",
	"internal/router/...", "internal/balancer/...", "internal/plugin/...", "plugins/..."}

// rules is the architecture, one line per boundary. They replace the deps
// tests that used to live in internal/admin, internal/cluster and plugins/all.
var rules = []rule{
	{
		name: "model is a leaf",
		pkgs: []string{"internal/entity/..."}, only: []string{"internal/yield"},
		why: "the model is shared by every side; give it what it needs as data, not as an import (internal/yield, itself a leaf, lets its long loops give way to requests)",
	},
	{
		name: "yielding is a leaf",
		pkgs: []string{"internal/yield/..."}, only: []string{},
		why: "the model and the builders call it from their loops; it imports nothing of ours",
	},
	{
		name: "body reading is a leaf",
		pkgs: []string{"internal/body/..."}, only: []string{},
		why: "the proxy and the plugin framework both read request bodies through it; it takes its bounds as body.Limits",
	},
	{
		name: "data plane without control plane",
		pkgs: dataPlane, forbid: controlPlane,
		why: "a data plane node must build and run without the Admin API or a database",
	},
	{
		name: "data path",
		pkgs: []string{"internal/proxy/...", "internal/snapshot/..."},
		forbid: []string{"internal/admin/...", "internal/store/...", "internal/cluster/...", "internal/declarative/...",
			"internal/node/...", "internal/pipeline/...", "internal/engine/...", "internal/provider/...",
			"internal/app/...", "internal/cli/...", "internal/settings/..."},
		why: "the proxy and the snapshot build on the model, router, balancer and plugin framework only",
	},
	{
		name: "plugin framework",
		pkgs: []string{"internal/plugin/...", "plugins/..."}, except: []string{"internal/plugin/plugintest/..."},
		forbid: []string{"internal/admin/...", "internal/store/...", "internal/cluster/...", "internal/proxy/...",
			"internal/node/...", "internal/pipeline/...", "internal/engine/...", "internal/app/...",
			"internal/snapshot/...", "internal/declarative/...", "internal/cli/...", "internal/settings/..."},
		tests: true,
		why:   "plugins run on the data plane; their tests reach the proxy through internal/plugin/plugintest",
	},
	{
		name: "plugins see only the framework",
		pkgs: []string{"plugins/..."}, except: []string{"plugins/all"},
		only: []string{"internal/plugin", "internal/plugin/transform", "internal/entity"},
		why:  "a plugin is written against internal/plugin and the model; shared helpers go under internal/plugin",
	},
	{
		name: "plugin bundle",
		pkgs: []string{"plugins/all"}, only: []string{"plugins/..."},
		why: "plugins/all only blank-imports the bundled plugins",
	},
	{
		name: "admin API",
		pkgs: []string{"internal/admin/..."},
		forbid: []string{"internal/proxy/...", "internal/router/...", "internal/snapshot/...", "internal/cluster/...",
			"internal/balancer/...", "internal/node/...", "internal/pipeline/...", "internal/engine/...",
			"internal/app/...", "internal/cli/...", "plugins/..."},
		why: "the Admin API talks to the store, the model and the declarative loader; pass the rest through admin.Options",
	},
	{
		name: "the CLI is the top",
		pkgs: []string{"..."}, except: []string{"cmd/...", "internal/cli/..."},
		forbid: []string{"internal/cli/..."},
		why:    "internal/cli wires commands to everything; only cmd/gantry may import it",
	},
	{
		name: "one composition root",
		pkgs: []string{"..."}, except: []string{"cmd/...", "internal/cli/...", "internal/app/..."},
		forbid: []string{"internal/app/..."},
		why:    "internal/app assembles a node from the other packages; they are given what they need, not the app",
	},
	{
		name: "the node knows no role",
		pkgs: []string{"internal/node/..."},
		forbid: []string{"internal/engine/...", "internal/proxy/...", "internal/admin/...", "internal/cluster/...",
			"internal/store/...", "internal/provider/...", "internal/app/...", "plugins/..."},
		why: "the lifecycle runs whatever components and providers it is given; roles are internal/app's business",
	},
	{
		name: "the pipeline knows no role",
		pkgs: []string{"internal/pipeline"},
		forbid: []string{"internal/engine/...", "internal/node/...", "internal/proxy/...", "internal/snapshot/...",
			"internal/router/...", "internal/balancer/...", "internal/admin/...", "internal/cluster/...",
			"internal/store/...", "internal/provider/...", "internal/declarative/...", "internal/app/...", "plugins/..."},
		why: "the pipeline carries checked configurations from providers to an applier; it builds nothing itself",
	},
	{
		name: "cluster data plane",
		pkgs: []string{"internal/cluster/dp/..."}, forbid: []string{"internal/cluster/cp/...", "internal/store/..."},
		why: "a data plane's cluster agent must not pull in the control plane or the store",
	},
	{
		name:   "cluster shared",
		pkgs:   []string{"internal/cluster/wire/...", "internal/cluster/clustertls/...", "internal/cluster/clusterpb/..."},
		forbid: []string{"internal/cluster/cp/...", "internal/cluster/dp/...", "internal/store/..."},
		why:    "code shared by both cluster sides imports neither side",
	},
	{
		name: "cluster control plane",
		pkgs: []string{"internal/cluster/cp/..."},
		forbid: []string{"internal/cluster/dp/...", "internal/proxy/...", "internal/router/...", "internal/balancer/...",
			"internal/snapshot/...", "internal/engine/..."},
		why: "the control plane serves configuration; it never proxies, so it builds no router, balancer or snapshot",
	},
}

// testHelpers are packages made for tests (entitytest, plugintest,
// storetest, pgtest, redistest, clustertlstest and the like, by the Go
// convention of a "test" suffix, and internal/testutil); shipped code never
// imports them.
var testHelpers = []string{"*test", "internal/testutil/..."}

func init() {
	for _, p := range providers {
		var others []string
		for _, o := range providers {
			if o != p {
				others = append(others, o+"/...")
			}
		}
		rules = append(rules, rule{
			name: "provider " + p + " alone", pkgs: []string{p + "/..."}, forbid: others,
			why: "providers feed the pipeline side by side; what two share belongs below them (declarative, entity, pipeline)",
		})
	}
	rules = append(rules, rule{
		name: "test helpers stay in tests",
		pkgs: []string{"..."}, except: testHelpers, forbid: testHelpers,
		why: "a test helper imported by shipped code ends up in the gantry binary",
	})
}
