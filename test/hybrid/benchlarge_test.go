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
// the Admin API reaching it, a result row for each case, and the memory of
// the data plane restarted with another GOMAXPROCS.
func TestBenchLargeShortMode(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("bash", "../../scripts/bench-large.sh")
	cmd.Env = append(cleanEnv(), "GANTRY_BIN="+binary, "BENCH_LARGE_CASES=consumers:100 routes:50", "BENCH_LARGE_TIMEOUT=60", "BENCH_LARGE_CHANGES=2",
		"BENCH_LARGE_SETTLE=0.2", "BENCH_LARGE_PROCS=2", "BENCH_LARGE_CONNS=8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench-large: %v\n%s", err, out)
	}
	rows := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 14 && (f[0] == "consumers:100" || f[0] == "routes:50") {
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
		for i, col := range []string{"DP empty", "DP idle"} {
			if mb, err := strconv.Atoi(f[12+i]); err != nil || mb <= 0 {
				t.Fatalf("%s: %s memory %q is not a positive number:\n%s", c, col, f[12+i], out)
			}
		}
	}
	if !strings.Contains(string(out), "routes:50          GOMAXPROCS=2   DP idle") {
		t.Fatalf("no memory line for the data plane restarted with GOMAXPROCS=2:\n%s", out)
	}
}
