package deptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is the import path every rule path is relative to.
const module = "github.com/gantryhq/gantry/"

// pkg is the part of `go list -json` the rules read.
type pkg struct {
	ImportPath                string
	Imports, Deps             []string
	TestImports, XTestImports []string
	Error                     *struct{ Err string }
}

// listModule lists every package of the module with its dependencies. It
// tolerates packages that do not build yet (-e): their imports are still
// known, and a broken package is another test's business.
func listModule(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		if p.Error != nil {
			t.Logf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = &p
	}
	return pkgs
}

// TestDependencies checks every rule against every package of the module.
// A failure names the package, the forbidden dependency, the chain of
// imports that pulls it in, and why the rule exists.
func TestDependencies(t *testing.T) {
	t.Parallel()
	pkgs := listModule(t)
	if len(pkgs) < 10 || pkgs["internal/entity"] == nil {
		t.Fatalf("go list found %d packages of %s; is the test run inside the module?", len(pkgs), module)
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			for _, v := range r.violations(pkgs) {
				t.Error(v)
			}
		})
	}
}

// violations lists how the packages break r, one message each. A rule
// that matches no package is a violation too: its packages were renamed
// and it would otherwise pass forever.
func (r rule) violations(pkgs map[string]*pkg) []string {
	var out []string
	matched := 0
	for path, p := range pkgs {
		if !matchAny(path, r.pkgs) || matchAny(path, r.except) {
			continue
		}
		matched++
		for _, dep := range ours(p.Deps) {
			if matchAny(dep, r.forbid) {
				out = append(out, fmt.Sprintf("%s imports %s (%s): %s", path, dep, chain(pkgs, path, dep), r.why))
			}
		}
		for _, dep := range ours(p.Imports) {
			if r.only != nil && !under(dep, path) && !matchAny(dep, r.only) {
				out = append(out, fmt.Sprintf("%s imports %s, outside %v: %s", path, dep, r.only, r.why))
			}
		}
		if !r.tests {
			continue
		}
		for _, dep := range ours(slices.Concat(p.TestImports, p.XTestImports)) {
			if matchAny(dep, r.forbid) && dep != path {
				out = append(out, fmt.Sprintf("tests of %s import %s: %s", path, dep, r.why))
			}
		}
	}
	if matched == 0 {
		out = append(out, fmt.Sprintf("rule %q matches no package: %v; were they renamed?", r.name, r.pkgs))
	}
	slices.Sort(out)
	return out
}

// ours keeps the module's own packages of deps, relative to the module.
func ours(deps []string) []string {
	var rel []string
	for _, d := range deps {
		if r, ok := strings.CutPrefix(d, module); ok {
			rel = append(rel, r)
		}
	}
	return rel
}

// matchAny reports whether path matches one of the patterns: an exact path,
// "x/..." for x and below, "*suffix" for a last element ending in suffix,
// or "..." for everything.
func matchAny(path string, patterns []string) bool {
	for _, p := range patterns {
		if p == "..." {
			return true
		}
		if suffix, ok := strings.CutPrefix(p, "*"); ok {
			if strings.HasSuffix(path[strings.LastIndex(path, "/")+1:], suffix) {
				return true
			}
			continue
		}
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			if under(path, base) {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

// under reports whether path is base or below it.
func under(path, base string) bool {
	return path == base || strings.HasPrefix(path, base+"/")
}

// chain finds the shortest chain of non-test imports from one of the
// module's packages to another, for the failure message.
func chain(pkgs map[string]*pkg, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return strings.Join(path, " → ")
		}
		p := pkgs[cur]
		if p == nil {
			continue
		}
		for _, next := range ours(p.Imports) {
			if _, seen := prev[next]; !seen {
				prev[next] = cur
				queue = append(queue, next)
			}
		}
	}
	return "via a dependency outside the module"
}
