package hybrid

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestBenchLargeShortMode runs `make bench-large`'s script once on small
// cases, so the benchmark cannot rot: a real CP and DP, an import, the DP
// serving the last consumer's key and the last route, changes made through
// the Admin API reaching it, and a result row for each case.
func TestBenchLargeShortMode(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("bash", "../../scripts/bench-large.sh")
	cmd.Env = append(cleanEnv(), "GANTRY_BIN="+binary, "BENCH_LARGE_CASES=consumers:100 routes:50", "BENCH_LARGE_TIMEOUT=60", "BENCH_LARGE_CHANGES=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench-large: %v\n%s", err, out)
	}
	rows := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 12 && (f[0] == "consumers:100" || f[0] == "routes:50") {
			rows[f[0]] = f
		}
	}
	for _, c := range []string{"consumers:100", "routes:50"} {
		f, ok := rows[c]
		if !ok {
			t.Fatalf("no result row for %s:\n%s", c, out)
		}
		if s, err := strconv.ParseFloat(f[2], 64); err != nil || s <= 0 {
			t.Fatalf("%s: serve time %q is not a positive number:\n%s", c, f[2], out)
		}
		if mb, err := strconv.Atoi(f[9]); err != nil || mb <= 0 {
			t.Fatalf("%s: DP peak memory %q is not a positive number:\n%s", c, f[9], out)
		}
		if ms, err := strconv.ParseFloat(f[10], 64); err != nil || ms <= 0 {
			t.Fatalf("%s: time to serve a change %q is not a positive number:\n%s", c, f[10], out)
		}
	}
}
